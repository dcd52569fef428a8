"""Background jobs without Redis: a thread of the web process runs them, one at a time.

A request that asks for a dossier returns at once and the page follows the job's status,
as it does with RQ. The process keeps a heartbeat on every tracked job it holds (queued or
running); a job whose heartbeat stopped (its process was killed or the machine restarted)
is claimed by the next process that looks — one compare-and-set on the heartbeat, so two
processes never both take it — and run again while attempts are left, else failed.

`JOBS_WITHOUT_REDIS = "inline"` runs jobs in the caller instead (the tests, and any caller
outside a request, such as a CLI command, where nobody is waiting on a page).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import Flask, current_app, has_request_context
from sqlalchemy import and_, or_, select, update

from app.core.models import utcnow
from app.extensions import db
from app.jobs.models import Job, JobStatus

MODES = ("thread", "inline")
ACTIVE = (JobStatus.queued, JobStatus.running, JobStatus.retrying)
log = logging.getLogger(__name__)

_lock = threading.Lock()
_state: dict[str, Any] = {"pid": None, "pool": None, "ticker": None, "stop": None}
_held: set[str] = set()


def check_mode(app: Flask) -> None:
    mode = app.config.get("JOBS_WITHOUT_REDIS")
    if mode not in MODES:
        raise RuntimeError(f"JOBS_WITHOUT_REDIS must be one of {', '.join(MODES)}, not {mode!r}")


def in_thread() -> bool:
    """Whether a job enqueued now, with no Redis configured, goes to the background thread."""
    return current_app.config["JOBS_WITHOUT_REDIS"] == "thread" and has_request_context()


def heartbeat_seconds() -> int:
    return int(current_app.config.get("JOBS_LOCAL_HEARTBEAT_SECONDS", 15))


def submit(job_id: str | None, name: str, args: list[Any], retry) -> None:
    """Hand a job whose row (if tracked) is committed to this process's job thread."""
    app = current_app._get_current_object()
    pool = _start(app)
    if job_id is not None:
        with _lock:
            _held.add(job_id)
    pool.submit(_run, app, job_id, name, args, retry)


def ensure_started() -> None:
    """Start the heartbeat (and with it the recovery of abandoned jobs) in a web process."""
    app = current_app._get_current_object()
    if app.config.get("REDIS_URL") or app.config["JOBS_WITHOUT_REDIS"] != "thread":
        return
    if _state["pid"] != os.getpid():
        _start(app)


def _start(app: Flask) -> ThreadPoolExecutor:
    with _lock:
        if _state["pid"] != os.getpid():  # first use, or a forked child (gunicorn)
            _held.clear()
            stop = threading.Event()
            _state.update(
                pid=os.getpid(),
                pool=ThreadPoolExecutor(max_workers=1, thread_name_prefix="yrd-job"),
                stop=stop,
                ticker=threading.Thread(
                    target=_tick_forever, args=(app, stop), name="yrd-job-heartbeat", daemon=True
                ),
            )
            _state["ticker"].start()
        return _state["pool"]


def _run(app: Flask, job_id: str | None, name: str, args: list[Any], retry) -> None:
    from app.jobs.runner import run_inline

    try:
        with app.app_context():
            try:
                run_inline(job_id, name, args, retry, wait=True)
            finally:
                db.session.remove()
    except Exception:  # the runner records failures; anything else must not kill the thread
        log.exception("background job %s (%s) could not run", job_id, name)
    finally:
        with _lock:
            _held.discard(job_id)


def _tick_forever(app: Flask, stop: threading.Event) -> None:
    with app.app_context():
        every = heartbeat_seconds()
    while not stop.wait(every):
        try:
            with app.app_context():
                try:
                    tick()
                finally:
                    db.session.remove()
        except Exception:  # a database that does not answer now may answer at the next tick
            log.exception("job heartbeat failed")


def tick() -> list[str]:
    """Beat for the jobs this process holds, then claim those whose process stopped."""
    with _lock:
        held = list(_held)
    if held:
        db.session.execute(update(Job).where(Job.id.in_(held)).values(heartbeat_at=utcnow()))
        db.session.commit()
    return recover_local()


def recover_local(dead_after: int | None = None) -> list[str]:
    """Run again (or fail, when no attempts are left) the tracked jobs no process beats for."""
    dead_after = dead_after or int(current_app.config.get("JOBS_DEAD_WORKER_SECONDS", 90))
    cutoff = utcnow() - dt.timedelta(seconds=dead_after)
    stale = db.session.execute(
        select(Job.id, Job.heartbeat_at).where(
            Job.status.in_(ACTIVE),
            or_(
                Job.heartbeat_at < cutoff,
                and_(Job.heartbeat_at.is_(None), Job.created_at < cutoff),
            ),
        )
    ).all()
    db.session.rollback()
    claimed = []
    for job_id, beat in stale:
        if _claim(job_id, beat):
            claimed.append(job_id)
    return claimed


def _claim(job_id: str, beat: dt.datetime | None) -> bool:
    from app.jobs.queue import Retry

    same_beat = Job.heartbeat_at.is_(None) if beat is None else Job.heartbeat_at == beat
    taken = db.session.execute(
        update(Job).where(Job.id == job_id, same_beat).values(heartbeat_at=utcnow())
    )
    if taken.rowcount != 1:
        db.session.rollback()
        return False
    job = db.session.get(Job, job_id)
    if job.attempts >= job.max_attempts:
        job.status = JobStatus.failed
        job.error = "The process running this job stopped and no retries were left."
        job.finished_at = utcnow()
        db.session.commit()
        return True
    job.status = JobStatus.retrying if job.attempts else JobStatus.queued
    if job.attempts:
        job.error = "The process running this job stopped; it was started again."
    # The attempts left, tried at once: the backoff was for failures of the job itself.
    retry = Retry(max=job.max_attempts - job.attempts - 1, intervals=())
    name, args = job.func, list(job.args or [])
    db.session.commit()
    if current_app.config["JOBS_WITHOUT_REDIS"] == "thread":
        submit(job_id, name, args, retry)
    else:
        from app.jobs.runner import run_inline

        run_inline(job_id, name, args, retry)
    return True


def shutdown() -> None:
    """Wait for the job thread to finish what it holds and stop the heartbeat."""
    with _lock:
        pool, stop = _state["pool"], _state["stop"]
        _state.update(pid=None, pool=None, ticker=None, stop=None)
    if stop is not None:
        stop.set()
    if pool is not None:
        pool.shutdown(wait=True)
