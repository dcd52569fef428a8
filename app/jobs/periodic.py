"""The one place periodic jobs are declared.

Each entry runs on a cron schedule in Beijing time (app/jobs/cron_config.py sets `rq cron`
to that zone, whatever the server's clock keeps). With Redis, `rq cron
app/jobs/cron_config.py` (see `make cron`) enqueues them; without Redis,
`flask jobs run-periodic` runs them all once and is meant for the system's cron.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.auth import tasks as auth_tasks
from app.core import checkpoints
from app.evidence import sweep
from app.exchange import tasks as exchange
from app.jobs import recover, reminders
from app.jobs.queue import func_name
from app.notifications import tasks as notification_mail

TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class Periodic:
    """A job named by its function, so a renamed or moved function fails at import time
    instead of at 08:00 in a worker."""

    name: str
    fn: Callable
    cron: str
    queue: str = "default"

    @property
    def func(self) -> str:
        return func_name(self.fn)


PERIODIC: tuple[Periodic, ...] = (
    Periodic("deadline-reminders", reminders.send_deadline_reminders, "0 8 * * *"),
    Periodic("recover-abandoned-jobs", recover.recover_abandoned, "* * * * *"),
    Periodic("exchange-retry-deliveries", exchange.retry_due_deliveries, "*/5 * * * *"),
    Periodic("exchange-retry-acks", exchange.retry_recognitions, "*/15 * * * *"),
    Periodic("exchange-pull", exchange.pull_all, "*/15 * * * *"),
    Periodic("records-expire", exchange.expire_records_job, "10 0 * * *"),
    Periodic("evidence-sweep", sweep.sweep_job, "30 3 * * *"),
    Periodic("audit-checkpoint", checkpoints.checkpoint_job, "50 23 * * *"),
    Periodic("sign-in-prune", auth_tasks.prune_sign_in_records, "20 4 * * *"),
    Periodic("notification-mails", notification_mail.send_immediate_mails, "* * * * *"),
    Periodic("notification-digests", notification_mail.send_digests, "30 8 * * *"),
)
