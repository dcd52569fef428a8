"""The daily warning (scheduled in app.jobs.schedule): from 1 November, until the next
year's calendar is confirmed, every system and agency administrator has one to-do about
it (a re-run adds none); confirming the year ends it for all."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import Role, User, UserRole
from app.calendar_years.services import year_todo, years_to_warn
from app.extensions import db
from app.notifications.handoffs import hand_off


def administrators() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(User.active.is_(True), UserRole.role.in_([Role.sysadmin, Role.agency_admin]))
            .distinct()
            .order_by(User.id)
        )
    )


def warn_unconfirmed_years() -> dict:
    people = None
    notified = 0
    for year in years_to_warn():
        people = people if people is not None else administrators()
        notified += len(
            hand_off("calendar.year_unconfirmed", year, to=people, dedupe=year_todo(year))
        )
    return {"notified": notified}
