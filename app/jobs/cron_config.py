"""Configuration file for `rq cron`: registers every job declared in app.jobs.periodic."""

from rq import cron

from app.jobs.periodic import PERIODIC
from app.jobs.runner import run

for entry in PERIODIC:
    cron.register(
        run, queue_name=entry.queue, args=(None, entry.func, []), cron=entry.cron, name=entry.name
    )
