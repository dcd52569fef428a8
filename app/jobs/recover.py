"""Jobs whose worker died (killed, out of memory, machine lost) are put back on their queue.
(Without Redis, app/jobs/local.py does the same for jobs whose web process stopped.)

RQ itself notices such a job only once its execution heartbeat expires (a minute or
more) and a worker runs maintenance; this check looks at the worker's own heartbeat,
so a periodic run of it (and `flask jobs recover`) brings the job back sooner.

It also puts retries that are due back on their queue when no RQ scheduler is running: a
retry waits in RQ's scheduled registry for a worker's scheduler process, which dies when
Redis restarts, and a worker starts a new one only at its next maintenance (ten minutes).
A scheduler that died with its worker keeps its queue's lock until the lock lapses (a
minute); once it has been silent for `JOBS_DEAD_SCHEDULER_SECONDS` its lock is released, so
that the retries it held back are queued too.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app

from app.extensions import db
from app.jobs.models import Job, JobStatus
from app.jobs.queue import QUEUES, redis_connection


def _worker_alive(connection, worker_name: str | None, dead_after: int) -> bool:
    from rq import Worker

    if not worker_name:
        return False
    worker = Worker.find_by_key(f"rq:worker:{worker_name}", connection=connection)
    if worker is None or worker.last_heartbeat is None:
        return False
    age = dt.datetime.now(dt.UTC) - worker.last_heartbeat.replace(tzinfo=dt.UTC)
    return age.total_seconds() < dead_after


def recover_abandoned(dead_after: int | None = None) -> list[str]:
    """Requeue (or fail, when no retries are left) started jobs of dead workers."""
    from rq import Queue
    from rq.exceptions import NoSuchJobError
    from rq.job import Job as RQJob
    from rq.job import JobStatus as RQStatus
    from rq.registry import StartedJobRegistry

    connection = redis_connection()
    if connection is None:
        from app.jobs.local import recover_local

        return recover_local(dead_after)
    dead_after = dead_after or current_app.config.get("JOBS_DEAD_WORKER_SECONDS", 90)
    recovered = []
    for name in QUEUES:
        queue = Queue(name, connection=connection)
        registry = StartedJobRegistry(queue=queue)
        for job_id in registry.get_job_ids():
            try:
                job = RQJob.fetch(job_id, connection=connection)
            except NoSuchJobError:
                continue
            if job.get_status() != RQStatus.STARTED:
                continue
            if _worker_alive(connection, job.worker_name, dead_after):
                continue
            retried = _requeue(job, queue, registry, connection)
            _mark_tracked(job_id, retried)
            recovered.append(job_id)
    return recovered + enqueue_due_retries(connection)


def enqueue_due_retries(connection) -> list[str]:
    """Due scheduled jobs onto their queues, for each queue whose scheduler lock nobody
    holds (a live scheduler keeps its lock and does this itself every second) or a silent
    scheduler held."""
    from rq.registry import ScheduledJobRegistry
    from rq.scheduler import RQScheduler

    release_silent_schedulers(
        connection, int(current_app.config.get("JOBS_DEAD_SCHEDULER_SECONDS", 15))
    )
    scheduler = RQScheduler(QUEUES, connection=connection)
    queues = scheduler.acquire_locks()
    if not queues:
        return []
    try:
        now = dt.datetime.now(dt.UTC).timestamp()
        due = [
            job_id
            for name in queues
            for job_id in ScheduledJobRegistry(name, connection=connection).get_jobs_to_schedule(
                now
            )
        ]
        if due:
            scheduler.enqueue_scheduled_jobs()
        return due
    finally:
        scheduler.release_locks()


def release_silent_schedulers(connection, silent_after: int) -> list[str]:
    """Releases each queue's scheduler lock whose holder has not beaten for `silent_after`
    seconds: a scheduler beats every second (`rq worker --with-scheduler`), refreshing its
    lock each time, and one that died with its worker (a machine lost, a killed process
    group) holds the lock until it lapses a minute later. A holder with no record of its
    own (a scheduler just starting, or another process's recovery, which takes the locks
    for a moment) is left alone; the lock is released only if that holder still has it."""
    from rq.exceptions import SchedulerNotFound
    from rq.scheduler import RQScheduler
    from rq.scripts import release_lock

    released = []
    for name in QUEUES:
        key = RQScheduler.get_locking_key(name)
        held = connection.get(key)
        if held is None:
            continue
        holder = held.decode()
        try:
            scheduler = RQScheduler.fetch(holder, connection)
        except SchedulerNotFound:
            continue
        if scheduler.last_heartbeat is None:
            continue
        beat = scheduler.last_heartbeat.replace(tzinfo=dt.UTC)
        if (dt.datetime.now(dt.UTC) - beat).total_seconds() < silent_after:
            continue
        if release_lock(connection, key, holder):
            current_app.logger.warning(
                "released the scheduler lock of %s: its scheduler %s has been silent since %s",
                name,
                holder,
                beat.isoformat(),
            )
            released.append(name)
    return released


def _requeue(job, queue, registry, connection) -> bool:
    """Back to the front of its queue at once: the backoff is for failures of the job,
    and the dead worker's scheduler lock would hold a scheduled retry back until a
    recovery found that scheduler silent (`release_silent_schedulers`)."""
    from rq.job import JobStatus as RQStatus

    registry.remove_executions(job)
    if not job.retries_left:
        job.set_status(RQStatus.FAILED)
        return False
    job.retries_left -= 1
    job.save()
    queue.enqueue_job(job, at_front=True)
    return True


def _mark_tracked(job_id: str, retried: bool) -> None:
    job = db.session.get(Job, job_id)
    if job is None:
        return
    job.status = JobStatus.retrying if retried else JobStatus.failed
    job.error = "The worker running this job stopped; it was put back on the queue."
    if not retried:
        job.error = "The worker running this job stopped and no retries were left."
    db.session.commit()
