"""Putting work on a queue: RQ on Redis when REDIS_URL is set, in-process otherwise."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.core.errors import ServiceError
from app.extensions import db
from app.jobs.models import Job, JobStatus

QUEUES = ("dossiers", "default")
JOB_TIMEOUT = 15 * 60
# A worker that stops sending heartbeats for this long is taken for dead (see recover.py).
HEARTBEAT_TTL = 60


class QueueUnavailable(ServiceError):
    status = 503
    code = "queue_unavailable"


@dataclass(frozen=True)
class Retry:
    """How often a failing job is tried again, and after how many seconds each time."""

    max: int = 3
    intervals: tuple[int, ...] = field(default=(10, 30, 90))

    @property
    def attempts(self) -> int:
        return self.max + 1


NO_RETRY = Retry(max=0, intervals=())


def func_name(fn: Callable) -> str:
    name = f"{fn.__module__}.{fn.__qualname__}"
    if "<" in name:
        raise ValueError(f"{name} is not importable by a worker: use a module-level function")
    return name


def redis_connection(url: str | None = None):
    from redis import Redis

    url = url or current_app.config.get("REDIS_URL")
    if not url:
        return None
    return Redis.from_url(url, socket_connect_timeout=3, socket_timeout=10)


def enqueue(
    fn: Callable,
    *args: Any,
    queue: str = "default",
    description: str = "",
    user=None,
    case=None,
    track: bool = True,
    retry: Retry | None = None,
) -> Job | str:
    """Run `fn(*args)` in the background; returns the tracked Job (or the RQ id untracked).

    With Redis: if it does not answer, QueueUnavailable is raised before anything is
    committed (the caller rolls back, no trace stays); otherwise the caller's session is
    committed so the worker sees what the request wrote, and should the push still fail,
    the tracked row is removed again. Without Redis, during a request the session is
    committed and the job goes to the process's job thread (app/jobs/local.py); elsewhere
    (or with JOBS_WITHOUT_REDIS="inline") it runs here, before returning.
    """
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")
    retry = retry or Retry()
    job_id = str(uuid.uuid4())
    name = func_name(fn)
    tracked = None
    if track:
        tracked = Job(
            id=job_id,
            queue=queue,
            func=name,
            args=list(args),
            description=str(description)[:300],
            user_id=getattr(user, "id", None),
            case_id=getattr(case, "id", None),
            status=JobStatus.queued,
            max_attempts=retry.attempts,
        )
        db.session.add(tracked)
        db.session.flush()
    connection = redis_connection()
    if connection is None:
        from app.jobs import local
        from app.jobs.runner import run_inline

        if local.in_thread():
            db.session.commit()  # the job thread has its own session: it must see this
            local.submit(job_id if track else None, name, list(args), retry)
        else:
            run_inline(job_id if track else None, name, list(args), retry)
        return tracked if track else job_id
    try:
        connection.ping()
    except Exception as exc:
        # Nothing is committed yet: the caller rolls back and no trace of the request stays.
        raise _unavailable(exc) from exc
    db.session.commit()
    try:
        _push(connection, queue, job_id, name, list(args), retry, track)
    except Exception as exc:
        _forget(tracked)
        raise _unavailable(exc) from exc
    return tracked if track else job_id


def last_run(fn: Callable, *args: Any, case=None) -> Job | None:
    """The newest tracked job of `fn(*args)`, or None when none is left: a push that
    failed after the caller's commit removed its row, so the job never ran."""
    from sqlalchemy import select

    query = select(Job).where(Job.func == func_name(fn))
    if case is not None:
        query = query.where(Job.case_id == case.id)
    wanted = list(args)
    for job in db.session.scalars(query.order_by(Job.created_at.desc()).limit(20)):
        if job.args == wanted:
            return job
    return None


def may_run_again(job: Job | None) -> bool:
    """A page offers to start a job again when the last one never ran or failed for good;
    never while one is queued, running or waiting for its retry."""
    return job is None or job.status == JobStatus.failed


def _unavailable(exc: Exception) -> QueueUnavailable:
    current_app.logger.warning("job queue unavailable: %s", exc)
    return QueueUnavailable(
        _l("The job queue is unavailable right now; nothing was started. Try again later.")
    )


def _push(connection, queue, job_id, name, args, retry: Retry, track: bool) -> None:
    from rq import Queue
    from rq import Retry as RQRetry

    rq_retry = RQRetry(max=retry.max, interval=list(retry.intervals)) if retry.max else None
    Queue(queue, connection=connection).enqueue(
        "app.jobs.runner.run",
        job_id if track else None,
        name,
        args,
        job_id=job_id,
        retry=rq_retry,
        job_timeout=JOB_TIMEOUT,
        result_ttl=24 * 3600,
        failure_ttl=7 * 24 * 3600,
        description=name,
    )


def _forget(tracked: Job | None) -> None:
    db.session.rollback()
    if tracked is None:
        return
    row = db.session.get(Job, tracked.id)
    if row is not None:
        db.session.delete(row)
        db.session.commit()
