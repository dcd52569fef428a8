"""Daily deadline reminders: the case team hears of cases due within five working days."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app.cases.models import TERMINAL_STATES, Case
from app.core.calendar import add_working_days, today
from app.notifications.services import notify

DUE_SOON_WORKING_DAYS = 5


def send_deadline_reminders() -> dict:
    """Notify every team member of each open case overdue or due within five working days;
    at most one reminder per case, member and day, so a re-run sends nothing twice."""
    day = today()
    horizon = add_working_days(day, DUE_SOON_WORKING_DAYS)
    cases = select(Case).where(
        Case.due_date.is_not(None),
        Case.due_date <= horizon,
        Case.state.not_in([s.value for s in TERMINAL_STATES]),
    )
    sent = 0
    for case in _scalars(cases):
        overdue = case.due_date < day
        with force_locale("zh"):
            text = (
                _("Case %(ref)s is overdue since %(due)s.", ref=case.reference, due=case.due_date)
                if overdue
                else _("Case %(ref)s is due on %(due)s.", ref=case.reference, due=case.due_date)
            )
        for member in case.members:
            kind = "overdue" if overdue else "due_soon"
            key = f"{kind}:{case.id}:{day.isoformat()}"
            if notify(member.user, text, kind=kind, case=case, dedupe_key=key):
                sent += 1
    return {"notified": sent}


def _scalars(query):
    from app.extensions import db

    return db.session.scalars(query).unique().all()
