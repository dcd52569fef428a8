"""Agency settings an administrator changes: the deadline policy and calendar overrides."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l

from app.auth.models import Role, User
from app.core import audit
from app.core.calendar import library_knows, mark_changed
from app.core.errors import InvalidInput, NotAllowed
from app.core.models import CalendarDay
from app.extensions import db

# Inclusive ranges an administrator may choose; outside them a deadline stops meaning anything.
POLICY_RANGES = {
    "preliminary_review_days": (1, 60),
    "investigation_months": (1, 24),
    "extension_max_months": (0, 12),
    "defence_days": (1, 60),
    "review_request_days": (1, 60),
    "review_decision_days": (1, 180),
    "due_soon_days": (1, 30),
    "token_max_days": (1, 365),
    "joint_response_days": (1, 60),
    "review_days": (1, 180),
}


def _require_admin(actor: User) -> None:
    if not actor.has_role(Role.agency_admin):
        raise NotAllowed(_l("Only an agency administrator can do this."))


def update_policy(actor: User, values: dict[str, int | bool]) -> None:
    """Changes the actor's own agency's day counts (new deadlines use them from now on) and,
    when given, whether its supervisors and administrators need a second factor."""
    _require_admin(actor)
    policy = actor.agency.policy
    before = {name: getattr(policy, name) for name in [*POLICY_RANGES, "totp_required"]}
    for name, (low, high) in POLICY_RANGES.items():
        value = values.get(name)
        if not isinstance(value, int) or not low <= value <= high:
            raise InvalidInput(
                _l("Enter a number from %(min)s to %(max)s.", min=low, max=high), field=name
            )
    for name in POLICY_RANGES:
        setattr(policy, name, values[name])
    if "totp_required" in values:
        policy.totp_required = bool(values["totp_required"])
    db.session.flush()
    after = {name: getattr(policy, name) for name in before}
    changed = {n: [before[n], after[n]] for n in before if before[n] != after[n]}
    audit.record("agency.policy_update", actor=actor, agency_id=actor.agency_id, details=changed)


def add_calendar_day(actor: User, day: dt.date, is_workday: bool, name: str) -> CalendarDay:
    """Adds a holiday or make-up working day for a year the State Council announced after the
    bundled calendar was released."""
    _require_admin(actor)
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise InvalidInput(_l("Give the day a name of at most 80 characters."), field="name")
    if library_knows(day.year):
        raise InvalidInput(
            _l("The bundled calendar already covers %(year)s.", year=day.year), field="day"
        )
    if db.session.get(CalendarDay, day) is not None:
        raise InvalidInput(_l("That date already has an entry."), field="day")
    row = CalendarDay(day=day, is_workday=is_workday, name=name)
    db.session.add(row)
    db.session.flush()
    mark_changed()
    audit.record(
        "calendar.add",
        actor=actor,
        agency_id=actor.agency_id,
        details={"day": day.isoformat(), "is_workday": is_workday, "name": name},
    )
    return row


def remove_calendar_day(actor: User, day: dt.date) -> None:
    _require_admin(actor)
    row = db.session.get(CalendarDay, day)
    if row is None:
        raise InvalidInput(_l("That date has no entry."), field="day")
    db.session.delete(row)
    db.session.flush()
    mark_changed()
    audit.record(
        "calendar.remove",
        actor=actor,
        agency_id=actor.agency_id,
        details={"day": day.isoformat(), "name": row.name},
    )
