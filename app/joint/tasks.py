"""Daily joint-investigation upkeep (scheduled in app.jobs.schedule): invitations past their
answer date lapse, and overdue tasks reach whoever carries them out and the leading case
team."""

from __future__ import annotations

from app.core.calendar import today
from app.joint.handoffs import remind_overdue
from app.joint.services import expire_invitations, overdue_tasks


def send_task_reminders() -> dict:
    """At most one reminder per task, person and day, so a re-run sends nothing twice."""
    day = today()
    expired = expire_invitations()
    notified = sum(remind_overdue(task, day) for task in overdue_tasks(day=day))
    return {"notified": notified, "invitations_expired": expired}
