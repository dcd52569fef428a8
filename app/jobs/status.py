"""The system administrator's part of the dashboard on background work: the tracked jobs
by status, the latest failures (which function, when: never the description or error, as
they name a case and a document), and whether the queue answers. Job counts are read
from the jobs' status index."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from app.auth.models import Role, User
from app.core.models import utcnow
from app.extensions import db
from app.jobs.models import Job, JobStatus
from app.jobs.queue import QUEUES, redis_connection

FAILURES_SHOWN = 5
RECENT = dt.timedelta(days=7)


@dataclass
class JobsOverview:
    by_status: dict[JobStatus, int]
    failed_recently: list[Job]
    backend: str  # "redis" / "inline"
    reachable: bool | None  # None with no Redis configured (jobs run in-process)
    waiting: dict[str, int]  # jobs on each queue, when Redis answers

    @property
    def statuses(self) -> list[JobStatus]:
        return list(JobStatus)


def jobs_overview(user: User) -> JobsOverview | None:
    if not user.has_role(Role.sysadmin):
        return None
    counts = {
        JobStatus(status): n
        for status, n in db.session.execute(select(Job.status, func.count()).group_by(Job.status))
    }
    failed = db.session.scalars(
        select(Job)
        .where(Job.status == JobStatus.failed, Job.created_at >= utcnow() - RECENT)
        .order_by(Job.created_at.desc())
        .limit(FAILURES_SHOWN)
    ).all()
    reachable, waiting = _queue_health()
    backend = "redis" if current_app.config.get("REDIS_URL") else "inline"
    return JobsOverview(counts, list(failed), backend, reachable, waiting)


def _queue_health() -> tuple[bool | None, dict[str, int]]:
    connection = redis_connection()
    if connection is None:
        return None, {}
    try:
        connection.ping()
        return True, {name: connection.llen(f"rq:queue:{name}") for name in QUEUES}
    except Exception:  # any failure to answer is what the panel reports
        return False, {}
    finally:
        connection.close()
