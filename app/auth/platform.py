"""The system administrator's part of the dashboard on accounts and agencies: accounts
locked after failed sign-ins or second-factor codes, accounts never signed in to, and the
agencies with their active users. Counts and names only; a system administrator manages
accounts from the console (`flask users ...`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, literal, or_, select

from app.auth.models import Agency, LoginThrottle, Role, User, UserTotp
from app.core.models import utcnow
from app.extensions import db

# The dashboard names this many accounts of each kind; the count says how many in all.
SHOWN = 10


@dataclass
class AccountsOverview:
    locked: list[User]
    never_signed_in: list[User]
    never_signed_in_count: int
    inactive_count: int
    agencies: list[tuple[Agency, int]]  # each with its active users


def accounts_overview(user: User) -> AccountsOverview | None:
    if not user.has_role(Role.sysadmin):
        return None
    now = utcnow()
    locked_names = select(LoginThrottle.key).where(
        LoginThrottle.key.like("account:%"), LoginThrottle.locked_until > now
    )
    locked_codes = select(UserTotp.user_id).where(UserTotp.locked_until > now)
    locked = db.session.scalars(
        select(User)
        .where(
            or_(
                (literal("account:") + func.lower(User.username)).in_(locked_names),
                User.id.in_(locked_codes),
            )
        )
        .order_by(User.username)
        .limit(SHOWN)
    ).all()
    waiting = select(User).where(User.active.is_(True), User.last_login_at.is_(None))
    never = db.session.scalars(waiting.order_by(User.created_at, User.id).limit(SHOWN)).all()
    never_count = db.session.scalar(select(func.count()).select_from(waiting.subquery()))
    inactive = db.session.scalar(select(func.count(User.id)).where(User.active.is_(False)))
    active_users = (
        select(User.agency_id, func.count(User.id).label("n"))
        .where(User.active.is_(True))
        .group_by(User.agency_id)
        .subquery()
    )
    agencies = db.session.execute(
        select(Agency, func.coalesce(active_users.c.n, 0))
        .outerjoin(active_users, active_users.c.agency_id == Agency.id)
        .order_by(Agency.is_platform, Agency.code)
    ).all()
    return AccountsOverview(
        list(locked), list(never), never_count or 0, inactive or 0, [tuple(a) for a in agencies]
    )
