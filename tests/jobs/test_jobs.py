"""The jobs layer: in-process fallback, a real Redis with real `rq worker` processes,
retries, recovery after a worker dies, queue outage, periodic deadline reminders."""

from __future__ import annotations

import datetime as dt
import os
import signal
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.cases.tasks import send_deadline_reminders
from app.jobs import Job, JobStatus, QueueUnavailable, Retry, enqueue, recover_abandoned
from app.notifications.models import Notification
from tests import jobfuncs
from tests.worker_support import committed, redis_url, rq_worker, wait_for  # noqa: F401


def _status(db, job_id: str) -> SimpleNamespace:
    """A snapshot, with the transaction ended at once: on SQLite an open one would hold
    the write lock the worker needs."""
    db.session.rollback()
    job = db.session.get(Job, job_id)
    snapshot = SimpleNamespace(**job.as_json(), user_id=job.user_id)
    snapshot.status = job.status
    db.session.rollback()
    return snapshot


def test_without_redis_a_job_runs_in_process_and_is_tracked(db, make_user, tmp_path):
    user = make_user()
    marker = tmp_path / "m.txt"
    job = enqueue(jobfuncs.write_marker, str(marker), "你好", description="marker", user=user)
    assert marker.read_text() == "你好"
    job = _status(db, job.id)
    assert (job.status, job.progress, job.result) == (JobStatus.finished, 100, {"written": "你好"})
    assert job.user_id == user.id


def test_in_process_fallback_retries_transient_failures(db, tmp_path):
    job = enqueue(jobfuncs.flaky, str(tmp_path / "n"), 2, retry=Retry(max=3, intervals=(1,)))
    job = _status(db, job.id)
    assert job.status == JobStatus.finished and job.attempts == 3


def test_a_permanent_failure_is_not_retried_and_says_why(db):
    job = enqueue(jobfuncs.refuse, "案件不存在")
    job = _status(db, job.id)
    assert job.status == JobStatus.failed and job.attempts == 1
    assert "案件不存在" in job.error


def test_redis_outage_leaves_no_job_behind_and_says_so(app, committed, tmp_path):  # noqa: F811
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    try:
        before = committed.session.scalar(select(Job.id).order_by(Job.created_at.desc()))
        with pytest.raises(QueueUnavailable) as raised:
            enqueue(jobfuncs.write_marker, str(tmp_path / "x"), "x")
        assert raised.value.status == 503
        committed.session.rollback()  # what every caller does on a ServiceError
        assert committed.session.scalar(select(Job.id).order_by(Job.created_at.desc())) == before
        assert not (tmp_path / "x").exists()
    finally:
        app.config["REDIS_URL"] = None


@pytest.mark.redis
def test_a_real_worker_runs_the_job_and_retries_with_backoff(
    committed,  # noqa: F811
    rq_worker,  # noqa: F811
    tmp_path,
):
    rq_worker()
    marker = tmp_path / "m.txt"
    done = enqueue(jobfuncs.write_marker, str(marker), "来自 worker")
    flaky = enqueue(jobfuncs.flaky, str(tmp_path / "n"), 2, retry=Retry(max=3, intervals=(1, 1)))
    wait_for(lambda: _status(committed, done.id).status == JobStatus.finished, 60)
    assert marker.read_text() == "来自 worker"
    wait_for(lambda: _status(committed, flaky.id).done, 90)
    job = _status(committed, flaky.id)
    assert job.status == JobStatus.finished and job.attempts == 3


@pytest.mark.redis
@pytest.mark.slow
def test_a_job_whose_worker_died_is_run_again(app, committed, rq_worker, tmp_path):  # noqa: F811
    worker = rq_worker("doomed")
    job = enqueue(
        jobfuncs.slow_once,
        str(tmp_path / "started"),
        str(tmp_path / "pid"),
        retry=Retry(max=2, intervals=(1,)),
    )
    wait_for(lambda: _status(committed, job.id).status == JobStatus.running, 60)
    horse = int((tmp_path / "pid").read_text())  # RQ runs the job in a forked work horse
    # The machine is lost: the worker first, then its horse (a process group of its own).
    # Killed the other way round, the worker could wake before its own kill, fail the job
    # and schedule the retry itself, which its scheduler's lock, held by the dead, would keep
    # back for JOBS_DEAD_SCHEDULER_SECONDS (test_a_dead_workers_scheduler_...).
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(10)
    os.kill(horse, signal.SIGKILL)
    wait_for(lambda: recover_abandoned(dead_after=3), 30, every=1)
    assert _status(committed, job.id).status == JobStatus.retrying
    rq_worker("rescuer")
    wait_for(lambda: _status(committed, job.id).status == JobStatus.finished, 90)
    assert _status(committed, job.id).attempts == 2


def test_job_status_is_shown_only_to_whoever_started_it(db, make_user, login, client):
    owner, other = make_user(), make_user()
    job = enqueue(jobfuncs.write_marker, "/dev/null", "", user=owner)
    for visitor in (other, make_user(roles=("sysadmin",)), make_user("JS", roles=("sysadmin",))):
        login(visitor)
        assert client.get(f"/jobs/{job.id}.json").status_code == 404, visitor.username
        client.post("/logout")
    login(owner)
    body = client.get(f"/jobs/{job.id}.json").get_json()
    assert body["status"] == "finished" and body["done"] is True


def test_deadline_reminders_reach_the_case_team_and_supervisors_once_a_day(db, make_case):
    from app.cases.handoffs import team_and_supervisors
    from app.core.calendar import today

    soon = make_case(state="investigating", due_date=today() + dt.timedelta(days=2))
    late = make_case(state="investigating", due_date=today() - dt.timedelta(days=3))
    far = make_case(state="investigating", due_date=today() + dt.timedelta(days=60))
    first = send_deadline_reminders()
    second = send_deadline_reminders()
    assert first["notified"] >= 2 * 2 and second["notified"] == 0
    reminders = {
        case.reference: list(
            db.session.scalars(
                select(Notification).where(
                    Notification.case_id == case.id,
                    Notification.kind.in_(["case.due_soon", "case.overdue"]),
                )
            )
        )
        for case in (soon, late, far)
    }
    assert reminders[far.reference] == []
    expected = {u.id for u in team_and_supervisors(soon)}
    assert {n.user_id for n in reminders[soon.reference]} == expected
    assert len(reminders[soon.reference]) == len(expected) >= 3
    assert {n.kind for n in reminders[late.reference]} == {"case.overdue"}
    assert all("overdue" in n.text or "逾期" in n.text for n in reminders[late.reference])


def test_due_soon_follows_each_agencys_policy_as_its_dashboard_does(
    db, make_case, make_user, agency
):
    """An agency warned 10 working days ahead hears of a case due in 8; one warned 2 days
    ahead does not hear of a case due in 4 yet: the reminder and the dashboard count alike."""
    from app.cases.queries import dashboard_counts
    from app.core.calendar import add_working_days, today

    agency("SH").policy.due_soon_days = 10
    agency("JS").policy.due_soon_days = 2
    wide = make_case("SH", state="investigating", due_date=add_working_days(today(), 8))
    narrow = make_case("JS", state="investigating", due_date=add_working_days(today(), 4))
    db.session.flush()
    send_deadline_reminders()
    kinds = {
        case.reference: set(
            db.session.scalars(
                select(Notification.kind).where(
                    Notification.case_id == case.id,
                    Notification.kind.in_(["case.due_soon", "case.overdue"]),
                )
            )
        )
        for case in (wide, narrow)
    }
    assert kinds == {wide.reference: {"case.due_soon"}, narrow.reference: set()}
    assert dashboard_counts(make_user("SH", roles=("supervisor",)))["due_soon"] == 1
    assert dashboard_counts(make_user("JS", roles=("supervisor",)))["due_soon"] == 0


def test_rq_cron_reads_the_schedules_in_beijing_time(redis_url):  # noqa: F811
    """On a server that keeps UTC, the 08:00 reminder still goes out at 08:00 in Shanghai."""
    import subprocess
    import sys

    from tests.worker_support import ROOT

    script = (
        "from redis import Redis\n"
        "from rq.cron import CronScheduler\n"
        f"s = CronScheduler(connection=Redis.from_url({redis_url!r}))\n"
        "s.load_config_from_file('app/jobs/cron_config.py')\n"
        "for job in s.get_jobs():\n"
        "    print(job.name, job.get_next_enqueue_time().isoformat())\n"
    )
    env = {**os.environ, "TZ": "UTC"}
    env.pop("PERIODIC_TIMEZONE", None)
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    runs = dict(
        line.split() for line in out.stdout.splitlines() if len(line.split()) == 2
    )  # RQ logs to stdout too
    reminder = dt.datetime.fromisoformat(runs["deadline-reminders"])
    beijing = reminder.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert (beijing.hour, beijing.minute) == (8, 0) and reminder.hour == 0
    expiry = dt.datetime.fromisoformat(runs["records-expire"])
    assert expiry.astimezone(dt.timezone(dt.timedelta(hours=8))).time() == dt.time(0, 10)


def test_every_periodic_job_names_a_module_function_once():
    from app.jobs.schedule import PERIODIC

    for entry in PERIODIC:
        assert callable(entry.resolve()), entry.name
    assert len({entry.name for entry in PERIODIC}) == len(PERIODIC)


def test_a_periodic_job_that_moved_is_refused_with_its_name():
    from app.jobs.schedule import Periodic

    for path in ("app.cases.tasks.no_such_job", "app.no_such_feature.tasks.job", "app.cases"):
        with pytest.raises(LookupError, match="'moved'"):
            Periodic("moved", path, "0 8 * * *").resolve()


def test_the_schedule_loads_no_feature():
    """Jobs is infrastructure: declaring the schedule imports no feature, whose jobs are
    looked up by name only when they run."""
    import subprocess
    import sys

    from tests.worker_support import ROOT

    script = (
        "import sys\n"
        "import app.jobs.cli, app.jobs.schedule\n"
        "print(' '.join(sorted({m.split('.')[1] for m in sys.modules if m.startswith('app.')})))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert set(out.stdout.split()) <= {"auth", "config", "core", "extensions", "jobs"}


@pytest.mark.redis
def test_a_due_retry_is_queued_when_no_scheduler_runs(db, redis_url):  # noqa: F811
    """Found by the soak run: Redis restarted, the workers' scheduler processes died with
    it, and retries waited in RQ's scheduled registry until a worker's maintenance (ten
    minutes) started a new one. The periodic recovery queues the due ones meanwhile."""
    from redis import Redis
    from rq import Queue

    connection = Redis.from_url(redis_url)
    queue = Queue("dossiers", connection=connection)
    now = dt.datetime.now(dt.UTC)
    args = ("tests.jobfuncs.write_marker", "/dev/null", "")
    due = queue.enqueue_at(now - dt.timedelta(seconds=5), *args)
    later = queue.enqueue_at(now + dt.timedelta(hours=1), *args)
    assert due.id not in queue.get_job_ids()
    assert due.id in recover_abandoned()
    assert due.id in queue.get_job_ids()
    assert later.id not in queue.get_job_ids()
    assert recover_abandoned() == []  # nothing more is due


def _scheduler_holding(connection, queue_name: str, name: str, silent_for: int | None):
    """`queue_name`'s scheduler lock held by a scheduler called `name`, as a worker's
    scheduler holds it, with its record last beaten `silent_for` seconds ago (None: no
    record, as for a scheduler just starting)."""
    from rq.scheduler import RQScheduler
    from rq.utils import utcformat

    if silent_for is not None:
        scheduler = RQScheduler([queue_name], connection=connection, name=name)
        scheduler.register_birth()
        beat = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=silent_for)
        connection.hset(scheduler.key, "last_heartbeat", utcformat(beat))
    connection.set(RQScheduler.get_locking_key(queue_name), name, ex=60)
    return RQScheduler.get_locking_key(queue_name)


@pytest.mark.redis
@pytest.mark.parametrize("silent_for", [None, 1])
def test_a_running_scheduler_is_left_to_queue_its_retries(db, redis_url, silent_for):  # noqa: F811
    from redis import Redis
    from rq import Queue

    connection = Redis.from_url(redis_url)
    queue = Queue("dossiers", connection=connection)
    due = queue.enqueue_at(dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5), "os.getpid")
    # a worker's live scheduler holds each queue's lock and refreshes it every second
    lock = _scheduler_holding(connection, "dossiers", "live-scheduler", silent_for)
    assert recover_abandoned() == []
    assert due.id not in queue.get_job_ids()
    assert connection.get(lock) == b"live-scheduler"


@pytest.mark.redis
def test_a_dead_workers_scheduler_does_not_hold_its_retries_back(app, db, redis_url):  # noqa: F811
    """A worker's scheduler that died with it (a machine lost) keeps its queue's lock until
    the lock lapses, a minute later: the recovery queues the retries it held back once it
    has been silent for JOBS_DEAD_SCHEDULER_SECONDS, and only its lock is released."""
    from redis import Redis
    from rq import Queue

    connection = Redis.from_url(redis_url)
    dossiers = Queue("dossiers", connection=connection)
    default = Queue("default", connection=connection)
    past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    held = dossiers.enqueue_at(past, "os.getpid")
    elsewhere = default.enqueue_at(past, "os.getpid")
    silent = app.config["JOBS_DEAD_SCHEDULER_SECONDS"]
    dead = _scheduler_holding(connection, "dossiers", "dead-scheduler", silent + 5)
    alive = _scheduler_holding(connection, "default", "live-scheduler", 1)
    assert recover_abandoned() == [held.id]
    assert held.id in dossiers.get_job_ids()
    assert connection.get(dead) is None  # released, and not kept by the recovery either
    assert elsewhere.id not in default.get_job_ids()  # its scheduler is alive: its own work
    assert connection.get(alive) == b"live-scheduler"
