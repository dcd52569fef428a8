"""The one place periodic jobs are declared.

Each entry runs on a cron schedule in Beijing time (app/jobs/cron_config.py sets `rq cron`
to that zone, whatever the server's clock keeps). With Redis, `rq cron
app/jobs/cron_config.py` (see `make cron`) enqueues them; without Redis,
`flask jobs run-periodic` runs them all once and is meant for the system's cron.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.auth import tasks as auth_tasks
from app.core import checkpoints
from app.jobs import reminders
from app.jobs.queue import func_name

TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class Periodic:
    name: str
    func: str
    cron: str
    queue: str = "default"


PERIODIC: tuple[Periodic, ...] = (
    Periodic("deadline-reminders", func_name(reminders.send_deadline_reminders), "0 8 * * *"),
    Periodic("recover-abandoned-jobs", "app.jobs.recover.recover_abandoned", "* * * * *"),
    Periodic("exchange-retry-deliveries", "app.exchange.tasks.retry_due_deliveries", "*/5 * * * *"),
    Periodic("exchange-retry-acks", "app.exchange.tasks.retry_recognitions", "*/15 * * * *"),
    Periodic("exchange-pull", "app.exchange.tasks.pull_all", "*/15 * * * *"),
    Periodic("records-expire", "app.exchange.tasks.expire_records_job", "10 0 * * *"),
    Periodic("evidence-sweep", "app.evidence.sweep.sweep_job", "30 3 * * *"),
    Periodic("audit-checkpoint", func_name(checkpoints.checkpoint_job), "50 23 * * *"),
    Periodic("sign-in-prune", func_name(auth_tasks.prune_sign_in_records), "20 4 * * *"),
)
