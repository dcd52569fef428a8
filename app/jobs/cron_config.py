"""Configuration file for `rq cron`: registers every job declared in app.jobs.schedule.

RQ reads cron fields in the process's local time zone. The schedules in app.jobs.schedule
are Beijing time (the deadline reminder goes out at 08:00 in the offices, not at 08:00 of
a server that keeps UTC), so this file sets the zone before anything is scheduled;
`PERIODIC_TIMEZONE` names another. Every entry's function is looked up first, so a job
that was moved or renamed stops `rq cron` at start-up with its name.
"""

import os
import time

from rq import cron

from app.jobs.runner import run
from app.jobs.schedule import PERIODIC, TIMEZONE

os.environ["TZ"] = os.environ.get("PERIODIC_TIMEZONE", TIMEZONE)
time.tzset()

for entry in PERIODIC:
    entry.resolve()
    cron.register(
        run, queue_name=entry.queue, args=(None, entry.func, []), cron=entry.cron, name=entry.name
    )
