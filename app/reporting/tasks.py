"""The portal's periodic jobs: forgetting old addresses, reminding of overdue intake."""

from __future__ import annotations

from sqlalchemy import select

from app.core import audit
from app.extensions import db


def erase_addresses_job() -> int:
    from app.reporting.services import erase_old_addresses

    erased = erase_old_addresses()
    if erased:
        audit.record("report.addresses_erased", details={"visits": erased})
    db.session.commit()
    return erased


def remind_overdue_intake() -> int:
    """Supervisors hear once a day of each report still in intake past its due date."""
    from app.core.calendar import today
    from app.notifications.handoffs import hand_off
    from app.reporting.models import Report
    from app.reporting.services import overdue_clause

    sent = 0
    for report in db.session.scalars(select(Report).where(overdue_clause())):
        sent += len(
            hand_off("report.overdue", report, dedupe=f"report:{report.id}:overdue:{today()}")
        )
    db.session.commit()
    return sent
