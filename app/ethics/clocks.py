"""The clocks of a review: the decision within the policy's days of acceptance (calendar
days, as the policy says: 日, not 工作日, so weekends and holidays count; an extension sets a
new date), and the emergency procedure's hours from the moment of acceptance.

A decision is overdue from the day after its due date, an emergency from the first moment
after its hours have run (at exactly 72 hours it is still on time). Overdue applications are
on the committee office's queue and on the authority's; the office is reminded before the
due date and before the emergency clock runs out."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select

from app.auth.models import User
from app.core.calendar import today
from app.core.models import utcnow
from app.ethics import permissions as perm
from app.ethics import policy
from app.ethics.models import Application, AppState, Unit, UnitRole
from app.extensions import db

# The clocks run while the committee reviews; a listed activity's preliminary approval waits
# for the re-review, whose time limits are its own.
RUNNING = (AppState.accepted,)


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)  # SQLite hands back naive UTC
    return moment


def overdue_condition(day: dt.date, now: dt.datetime):
    return and_(
        Application.state.in_(RUNNING),
        or_(Application.decision_due < day, Application.emergency_due < now),
    )


def is_overdue(application: Application, day=None, now=None) -> bool:
    if application.state not in RUNNING:
        return False
    day, now = day or today(), now or utcnow()
    late_day = application.decision_due is not None and application.decision_due < day
    emergency = _aware(application.emergency_due)
    return late_day or (emergency is not None and emergency < now)


def may_see_overdue(user: User) -> bool:
    return perm.unit_of(user, UnitRole.office) is not None or perm._authority(user)


def overdue_for(user: User, day=None, now=None) -> list[Application]:
    """The office's queue (its committees' applications) and the authority's (its units'),
    most overdue first; a person who is neither sees nothing."""
    scopes = [Application.panel_id.in_(perm.office_panel_ids(user))]
    if perm._authority(user):
        scopes.append(
            Application.unit_id.in_(select(Unit.id).where(Unit.agency_id == user.agency_id))
        )
    query = (
        select(Application)
        .where(or_(*scopes), overdue_condition(day or today(), now or utcnow()))
        .order_by(Application.emergency_due.is_(None), Application.decision_due, Application.id)
    )
    return list(db.session.scalars(query))


def _due_soon(day: dt.date, now: dt.datetime) -> list[Application]:
    """Running applications whose decision is due within their authority's reminder days,
    or whose emergency clock ends within the reminder hours, and not yet overdue."""
    found = []
    query = select(Application).where(Application.state.in_(RUNNING)).order_by(Application.id)
    for application in db.session.scalars(query):
        agency_id = application.unit.agency_id
        days = policy.value(agency_id, "reminder_days")
        hours = policy.value(agency_id, "emergency_reminder_hours")
        emergency = _aware(application.emergency_due)
        if is_overdue(application, day, now):
            continue
        soon_day = application.decision_due <= day + dt.timedelta(days=days)
        soon_hours = emergency is not None and emergency <= now + dt.timedelta(hours=hours)
        if soon_day or soon_hours:
            found.append(application)
    return found


def send_reminders(day=None, now=None) -> int:
    """Tells the committee office of every application due soon or overdue, at most once
    per application, clock and due date (a re-run or an unchanged date sends nothing)."""
    from app.notifications.handoffs import hand_off

    day, now = day or today(), now or utcnow()
    sent = 0
    late = select(Application).where(overdue_condition(day, now)).order_by(Application.id)
    for application in db.session.scalars(late).all():
        key = f"ethics.overdue:{application.id}:{application.decision_due}"
        sent += len(hand_off("ethics.overdue", application, dedupe=key))
    for application in _due_soon(day, now):
        key = f"ethics.due_soon:{application.id}:{application.decision_due}"
        sent += len(hand_off("ethics.due_soon", application, dedupe=key))
    return sent


def due_text(application: Application) -> str:
    """The due moment as the reminders and the queue show it."""
    emergency = _aware(application.emergency_due)
    if emergency is not None:
        return emergency.strftime("%Y-%m-%d %H:%M UTC")
    return application.decision_due.isoformat() if application.decision_due else "—"


def register_reminders() -> None:
    from app.ethics.handoffs import _link, _office_users
    from app.notifications.handoffs import register_handoff

    common = {
        "link": _link,
        "params": lambda a: {"ref": a.reference, "due": due_text(a)},
        "recipients": _office_users,
    }
    register_handoff(
        "ethics.overdue",
        text=_l("Ethics application %(ref)s is overdue: its decision was due %(due)s."),
        **common,
    )
    register_handoff(
        "ethics.due_soon",
        text=_l("Ethics application %(ref)s is due for a decision by %(due)s."),
        **common,
    )
