"""Background jobs: one small layer over RQ, with an in-process fallback.

Public API (import from `app.jobs`):

- `enqueue(fn, *args, queue="default", description="", user=None, case=None, track=True,
  retry=Retry())` runs `fn(*args)` in the background. `fn` is a module-level function
  taking ids (never ORM objects); it reloads what it needs and may return a JSON-able
  dict kept as the job's result. Queues: "dossiers", "default". With `track=True` a
  `Job` row (who, what, status, progress, error, result) is returned for status pages;
  otherwise the RQ job id. With REDIS_URL set, enqueue commits the caller's session
  (the worker must see it) once Redis has answered; when Redis is down it raises
  `QueueUnavailable` (a ServiceError, 503) before committing anything, so the caller's
  rollback leaves no trace; a push failing after the commit removes the job row again.
  Without REDIS_URL (the zero-configuration default) a job enqueued during a request runs
  in a background thread of the web process (app/jobs/local.py), with a heartbeat so a
  job whose process died is run again; elsewhere, or with JOBS_WITHOUT_REDIS="inline",
  it runs before enqueue returns.
- `Retry(max=3, intervals=(10, 30, 90))`: retries with backoff for transient failures
  (any exception); raise `PermanentJobError` for failures retrying cannot fix.
  `NO_RETRY` for none.
- `last_run(fn, *args, case=None)` is the newest tracked job of `fn(*args)`, and
  `may_run_again(job)` says whether a page may offer to start it again (it never ran: its
  push failed after the commit and its row went; or it failed for good).
- `set_progress(percent, message=None)` inside a job: shown on status pages (commits).
- `recover_abandoned()`: requeues started jobs whose worker stopped its heartbeat
  (also a periodic job and `flask jobs recover`).
- Periodic jobs are declared in `app.jobs.schedule.PERIODIC` by the dotted path of each
  feature's job (its `tasks.py`), so this layer imports no feature; `rq cron
  app/jobs/cron_config.py` schedules them, `flask jobs run-periodic` runs them once.
- `GET /jobs/<id>.json` gives the status of a job to the user who started it.

Workers: `make worker` (`rq worker --with-scheduler -ds round_robin dossiers default`, needs
REDIS_URL).
"""

from flask import Blueprint, Flask

from app.jobs.models import Job, JobStatus
from app.jobs.queue import (
    NO_RETRY,
    QUEUES,
    QueueUnavailable,
    Retry,
    enqueue,
    last_run,
    may_run_again,
)
from app.jobs.recover import recover_abandoned
from app.jobs.runner import PermanentJobError, set_progress

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

__all__ = [
    "NO_RETRY",
    "QUEUES",
    "Job",
    "JobStatus",
    "PermanentJobError",
    "QueueUnavailable",
    "Retry",
    "enqueue",
    "last_run",
    "may_run_again",
    "recover_abandoned",
    "set_progress",
]


def init_app(app: Flask) -> None:
    from app.core.extension_points import register_dashboard_panel
    from app.jobs import cli, local, views  # noqa: F401
    from app.jobs import labels as jobs_labels
    from app.jobs.status import jobs_overview

    app.config.setdefault("JOBS_DEAD_WORKER_SECONDS", 90)
    app.config.setdefault("JOBS_DEAD_SCHEDULER_SECONDS", 15)
    local.check_mode(app)
    app.register_blueprint(bp)
    app.before_request(local.ensure_started)
    cli.init_app(app)
    jobs_labels.register()
    register_dashboard_panel(8, "jobs/_platform_dashboard.html", jobs_overview)
