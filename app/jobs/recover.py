"""Jobs whose worker died (killed, out of memory, machine lost) are put back on their queue.
(Without Redis, app/jobs/local.py does the same for jobs whose web process stopped.)

RQ itself notices such a job only once its execution heartbeat expires (a minute or
more) and a worker runs maintenance; this check looks at the worker's own heartbeat,
so a periodic run of it (and `flask jobs recover`) brings the job back sooner.

It also puts retries that are due back on their queue when no RQ scheduler is running: a
retry waits in RQ's scheduled registry for a worker's scheduler process, which dies when
Redis restarts, and a worker starts a new one only at its next maintenance (ten minutes).
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
    holds (a live scheduler keeps its lock and does this itself every second)."""
    from rq.registry import ScheduledJobRegistry
    from rq.scheduler import RQScheduler

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


def _requeue(job, queue, registry, connection) -> bool:
    """Back to the front of its queue at once: the backoff is for failures of the job,
    and the dead worker's scheduler lock would hold a scheduled retry back for minutes."""
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
