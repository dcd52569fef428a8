"""The one place periodic jobs are declared (Redash's `redash/tasks/schedule.py`).

Each job lives in its feature's `tasks.py` and is named here by its dotted path, so the
jobs layer imports no feature; `tests/jobs/test_jobs.py` and `rq cron` at start-up
(app/jobs/cron_config.py) check that every path names a module-level function. Schedules
are cron fields in Beijing time (cron_config.py sets `rq cron` to that zone, whatever the
server's clock keeps). With Redis, `rq cron app/jobs/cron_config.py` (see `make cron`)
enqueues them; without Redis, `flask jobs run-periodic` runs them all once and is meant
for the system's cron.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

from app.jobs.queue import func_name
from app.jobs.runner import resolve

TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class Periodic:
    """A job: `func` is the dotted path of a module-level function taking no arguments."""

    name: str
    func: str
    cron: str
    queue: str = "default"

    def resolve(self) -> Callable:
        """The function, or an error naming the entry when the path names none (a job
        moved or renamed fails here, not at 08:00 in a worker)."""
        try:
            fn = resolve(self.func)
        except (ImportError, AttributeError) as exc:
            raise LookupError(f"periodic job {self.name!r}: {self.func} not found") from exc
        if not inspect.isfunction(fn) or func_name(fn) != self.func:
            raise LookupError(f"periodic job {self.name!r}: {self.func} is not defined there")
        return fn


PERIODIC: tuple[Periodic, ...] = (
    Periodic("deadline-reminders", "app.cases.tasks.send_deadline_reminders", "0 8 * * *"),
    Periodic("joint-reminders", "app.joint.tasks.send_task_reminders", "0 8 * * *"),
    Periodic("recover-abandoned-jobs", "app.jobs.recover.recover_abandoned", "* * * * *"),
    Periodic("exchange-retry-deliveries", "app.exchange.tasks.retry_due_deliveries", "*/5 * * * *"),
    Periodic("exchange-retry-acks", "app.exchange.tasks.retry_recognitions", "*/15 * * * *"),
    Periodic("exchange-pull", "app.exchange.tasks.pull_all", "*/15 * * * *"),
    Periodic("records-expire", "app.exchange.tasks.expire_records_job", "10 0 * * *"),
    # After midnight Beijing time: the window closed yesterday, the record is published today.
    Periodic("records-publish-held", "app.records.tasks.publish_held_records_job", "15 0 * * *"),
    Periodic("evidence-sweep", "app.evidence.tasks.sweep_job", "30 3 * * *"),
    Periodic("audit-checkpoint", "app.core.checkpoints.checkpoint_job", "50 23 * * *"),
    Periodic("backup", "app.backup.tasks.daily_backup", "15 2 * * *"),
    Periodic("sign-in-prune", "app.auth.tasks.prune_sign_in_records", "20 4 * * *"),
    Periodic("notification-mails", "app.notifications.tasks.send_immediate_mails", "* * * * *"),
    Periodic(
        "calendar-year-warning", "app.calendar_years.tasks.warn_unconfirmed_years", "5 8 * * *"
    ),
    Periodic("report-addresses-erase", "app.reporting.tasks.erase_addresses_job", "40 3 * * *"),
    Periodic("report-intake-overdue", "app.reporting.tasks.remind_overdue_intake", "5 8 * * *"),
    Periodic("notification-digests", "app.notifications.tasks.send_digests", "30 8 * * *"),
    Periodic("ethics-followup-reminders", "app.ethics.tasks.send_followup_reminders", "10 8 * * *"),
    Periodic(
        "ethics-annual-reports", "app.ethics.registry_tasks.remind_annual_reports", "10 8 * * *"
    ),
    Periodic("exchange-retry-outbox", "app.exchange.tasks.retry_outbox", "*/5 * * * *"),
    Periodic("ethics-decision-reminders", "app.ethics.tasks.send_decision_reminders", "0 * * * *"),
    Periodic("ethics-site-reminders", "app.ethics.tasks.send_site_reminders", "20 8 * * *"),
    Periodic("ethics-site-files", "app.ethics.tasks.fetch_site_files", "* * * * *"),
)
