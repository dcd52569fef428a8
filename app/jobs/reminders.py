"""Daily deadline reminders: the case team and supervisors hear of cases due within five
working days or overdue, the supervisors of lapsed defence windows;
joint-investigation tasks past due reach their assignee and the leading case team, and
lapsed invitations are marked expired."""

from __future__ import annotations

from sqlalchemy import select

from app.cases.handoffs import hand_off
from app.cases.models import TERMINAL_STATES, Case, CaseState
from app.core.calendar import add_working_days, today

DUE_SOON_WORKING_DAYS = 5


def send_deadline_reminders() -> dict:
    """Tell the team and the supervisors of each open case overdue or due within five
    working days, and the supervisors of each case whose defence window passed without a
    statement; at most one reminder per case, person and day, so a re-run sends nothing
    twice."""
    day = today()
    horizon = add_working_days(day, DUE_SOON_WORKING_DAYS)
    cases = select(Case).where(
        Case.due_date.is_not(None),
        Case.due_date <= horizon,
        Case.state.not_in([s.value for s in TERMINAL_STATES]),
    )
    sent = 0
    for case in _scalars(cases):
        if _defence_lapsed(case, day):
            event = "case.defence_lapsed"
            key = f"defence_lapsed:{case.id}:{case.defence_due.isoformat()}"
        else:
            event = "case." + ("overdue" if case.due_date < day else "due_soon")
            key = f"{event}:{case.id}:{day.isoformat()}"
        sent += len(hand_off(event, case, dedupe=key))
    from app.joint.services import expire_invitations

    expired = expire_invitations()
    return {"notified": sent + _task_reminders(day), "invitations_expired": expired}


def _defence_lapsed(case: Case, day) -> bool:
    return (
        case.state == CaseState.pre_decision_notice
        and case.defence_received_on is None
        and case.defence_due is not None
        and case.defence_due < day
    )


def _task_reminders(day) -> int:
    """One reminder a day per overdue task and person: whoever carries it out and the
    leading case team (app.joint.handoffs)."""
    from app.joint.handoffs import remind_overdue
    from app.joint.services import overdue_tasks

    return sum(remind_overdue(task, day) for task in overdue_tasks(day=day))


def _scalars(query):
    from app.extensions import db

    return db.session.scalars(query).unique().all()
