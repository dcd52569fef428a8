"""Running a job: in an `rq worker` (a fresh app per process) or in-process as a fallback."""

from __future__ import annotations

import contextvars
import importlib
import time
import traceback
from typing import Any

from flask import Flask, has_app_context

from app.core.models import utcnow
from app.extensions import db
from app.jobs.models import Job, JobStatus

_current_job_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "current_job_id", default=None
)
_worker_app: Flask | None = None


class PermanentJobError(Exception):
    """Raised by a job when trying again cannot help (bad input, object gone)."""


def _app() -> Flask:
    global _worker_app
    if _worker_app is None:
        from app import create_app

        _worker_app = create_app()
    return _worker_app


def resolve(name: str):
    module, _, attr = name.rpartition(".")
    target: Any = importlib.import_module(module)
    return getattr(target, attr)


def run(job_id: str | None, name: str, args: list[Any]) -> Any:
    """The function RQ runs. Exceptions propagate so RQ's Retry schedules the next try."""
    if has_app_context():
        return _execute(job_id, name, args)
    with _app().app_context():
        try:
            return _execute(job_id, name, args)
        finally:
            db.session.remove()


def run_inline(
    job_id: str | None, name: str, args: list[Any], retry, *, wait: bool = False
) -> None:
    """Without Redis: try as often as the retry policy allows; a final failure is recorded
    on the tracked job. In the caller (`wait=False`) there is no pause between tries, as
    somebody is waiting; in the job thread (`wait=True`) the policy's intervals are kept."""
    for attempt in range(retry.attempts):
        if wait and attempt and retry.intervals:
            time.sleep(retry.intervals[min(attempt - 1, len(retry.intervals) - 1)])
        try:
            _execute(job_id, name, args)
            return
        except PermanentJobError:
            return
        except Exception:
            continue


def _execute(job_id: str | None, name: str, args: list[Any]) -> Any:
    fn = resolve(name)
    job = _start(job_id)
    token = _current_job_id.set(job_id)
    try:
        result = fn(*args)
    except PermanentJobError as exc:
        _fail(job_id, exc, final=True)
        return None
    except Exception as exc:
        final = job is None or job.attempts >= job.max_attempts
        _fail(job_id, exc, final=final)
        raise
    finally:
        _current_job_id.reset(token)
    _finish(job_id, result)
    return result


def _start(job_id: str | None) -> Job | None:
    if job_id is None:
        return None
    job = db.session.get(Job, job_id)
    if job is None:
        raise PermanentJobError(f"tracked job {job_id} does not exist")
    job.status = JobStatus.running
    job.attempts += 1
    job.started_at = utcnow()
    job.progress = 0
    db.session.commit()
    return job


def _finish(job_id: str | None, result: Any) -> None:
    if job_id is None:
        db.session.commit()
        return
    db.session.commit()
    job = db.session.get(Job, job_id)
    job.status = JobStatus.finished
    job.progress = 100
    job.error = None
    job.message = None
    job.result = result if isinstance(result, dict) else None
    job.finished_at = utcnow()
    db.session.commit()


def _fail(job_id: str | None, exc: Exception, *, final: bool) -> None:
    db.session.rollback()
    if job_id is None:
        return
    job = db.session.get(Job, job_id)
    if job is None:
        return
    job.status = JobStatus.failed if final else JobStatus.retrying
    job.error = f"{type(exc).__name__}: {exc}"[:2000]
    job.message = None
    if final:
        job.finished_at = utcnow()
    db.session.commit()
    traceback.print_exc()


def current_job_id() -> str | None:
    return _current_job_id.get()


def set_progress(percent: int, message: str | None = None) -> None:
    """Show how far the running job is. Commits the job's session: call it between
    units of work, never in the middle of one."""
    job_id = _current_job_id.get()
    if job_id is None:
        return
    job = db.session.get(Job, job_id)
    if job is None:
        return
    job.progress = max(0, min(99, int(percent)))
    job.message = message
    db.session.commit()
