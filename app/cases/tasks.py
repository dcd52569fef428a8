"""Daily deadline reminders (scheduled in app.jobs.schedule): the team and supervisors of a
case hear of it when it is overdue or due soon by its agency's policy, and the supervisors
when its defence window passed without a statement."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, or_, select

from app.auth.agencies import case_agencies
from app.cases.handoffs import hand_off
from app.cases.models import TERMINAL_STATES, Case, CaseState
from app.cases.queries import agency_due_soon_until
from app.core.calendar import today
from app.extensions import db


def send_deadline_reminders() -> dict:
    """At most one reminder per case, person and day, so a re-run sends nothing twice."""
    day = today()
    sent = 0
    for case in _cases_to_remind(day):
        if _defence_lapsed(case, day):
            event = "case.defence_lapsed"
            key = f"defence_lapsed:{case.id}:{case.defence_due.isoformat()}"
        else:
            event = "case." + ("overdue" if case.due_date < day else "due_soon")
            key = f"{event}:{case.id}:{day.isoformat()}"
        sent += len(hand_off(event, case, dedupe=key))
    return {"notified": sent}


def _cases_to_remind(day: dt.date) -> list[Case]:
    """Open cases due up to their own agency's "due soon" day, as that agency's dashboard
    counts them; one due-date range per agency, read from its (agency_id, due_date) index."""
    ranges = [
        and_(Case.agency_id == agency.id, Case.due_date <= agency_due_soon_until(agency, day))
        for agency in db.session.scalars(case_agencies())
    ]
    if not ranges:
        return []
    query = (
        select(Case)
        .where(
            Case.due_date.is_not(None),
            or_(*ranges),
            Case.state.not_in([s.value for s in TERMINAL_STATES]),
        )
        .order_by(Case.id)
    )
    return list(db.session.scalars(query).unique())


def _defence_lapsed(case: Case, day: dt.date) -> bool:
    return (
        case.state == CaseState.pre_decision_notice
        and case.defence_received_on is None
        and case.defence_due is not None
        and case.defence_due < day
    )
