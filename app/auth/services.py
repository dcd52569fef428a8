"""Accounts: creation, roles, passwords, deactivation and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.auth.models import (
    Agency,
    ApiToken,
    Role,
    SessionEnd,
    User,
    UserSession,
)
from app.auth.passwords import hash_password, password_problem
from app.auth.permissions import require_create_in, require_manage_user, require_role_change
from app.auth.sessions import current_session, end_sessions
from app.auth.throttle import require_current_password
from app.core import audit
from app.core.errors import InvalidInput, NotAllowed
from app.extensions import db

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
TOKEN_PREFIX = "yrd_"


def validate_password(password: str, *, username: str = "", display_name: str = "") -> None:
    """The one password policy, wherever a password is set (own change, admin, console)."""
    why = password_problem(
        password, personal=(username, display_name), demo=bool(current_app.config.get("DEMO"))
    )
    if why is not None:
        raise InvalidInput(why, field="password")


def _check_placement(agency: Agency, roles) -> None:
    """System administrators live in the platform pseudo-agency and nobody else does, so an
    agency's administrator never finds one among the agency's users."""
    roles = set(roles)
    if Role.sysadmin in roles and not agency.is_platform:
        raise InvalidInput(
            _l("A system administrator belongs to the platform, not to an agency."),
            field="roles",
        )
    if agency.is_platform and roles != {Role.sysadmin}:
        raise InvalidInput(
            _l("The platform holds system administrators only, with no other role."),
            field="roles",
        )


def create_user(
    username: str,
    display_name: str,
    agency: Agency,
    roles,
    password: str,
    actor: User | None = None,
    email: str | None = None,
    *,
    roleless: bool = False,
) -> User:
    """`roleless`: an account that holds no agency role (a research unit's people, whose
    unit membership the ethics feature keeps), so it reaches no case or record."""
    username = (username or "").strip().lower()
    if not USERNAME_RE.match(username):
        raise InvalidInput(
            _l("A username has 3 to 64 lower-case letters, digits, dots, dashes or underscores."),
            field="username",
        )
    if db.session.scalar(select(func.count()).where(User.username == username)):
        raise InvalidInput(_l("That username is taken."), field="username")
    if not (display_name or "").strip():
        raise InvalidInput(_l("A display name is required."), field="display_name")
    roles = [Role(r) for r in roles]
    if not roles and not roleless:
        raise InvalidInput(_l("Give the user at least one role."), field="roles")
    if roles and roleless:
        raise InvalidInput(_l("A research unit's account holds no agency role."), field="roles")
    require_create_in(actor, agency)
    require_role_change(actor, set(), set(roles))
    _check_placement(agency, roles)
    validate_password(password, username=username, display_name=display_name)
    user = User(
        username=username,
        display_name=display_name.strip(),
        agency=agency,
        email=(email or "").strip() or None,
        password_hash=hash_password(password),
    )
    user.set_roles(roles)
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user.create",
        actor=actor,
        obj=user,
        agency_id=agency.id,
        details={"username": username, "roles": sorted(r.value for r in roles)},
    )
    return user


def update_user(
    user: User, actor: User | None, display_name: str, email: str | None, roles
) -> None:
    require_manage_user(actor, user)
    roles = {Role(r) for r in roles}
    if not roles:
        raise InvalidInput(_l("Give the user at least one role."), field="roles")
    if actor is not None and user.id == actor.id and Role.agency_admin not in roles:
        raise InvalidInput(_l("You cannot remove your own administrator role."), field="roles")
    if not (display_name or "").strip():
        raise InvalidInput(_l("A display name is required."), field="display_name")
    require_role_change(actor, user.roles, roles)
    _check_placement(user.agency, roles)
    before = sorted(r.value for r in user.roles)
    user.display_name = display_name.strip()
    user.email = (email or "").strip() or None
    user.set_roles(roles)
    db.session.flush()
    audit.record(
        "user.update",
        actor=actor,
        obj=user,
        agency_id=user.agency_id,
        details={"roles_before": before, "roles": sorted(r.value for r in roles)},
    )
    if before != sorted(r.value for r in roles):
        keep = current_session() if actor is not None and user.id == actor.id else None
        end_sessions(user, SessionEnd.role_change, keep=keep, actor=actor)
        revoke_user_tokens(user, actor, reason="role_change")


def set_active(user: User, active: bool, actor: User | None) -> None:
    require_manage_user(actor, user)
    if actor is not None and user.id == actor.id and not active:
        raise InvalidInput(_l("You cannot deactivate your own account."))
    user.active = active
    if not active:
        end_sessions(user, SessionEnd.deactivated, actor=actor)
    db.session.flush()
    audit.record(
        "user.activate" if active else "user.deactivate",
        actor=actor,
        obj=user,
        agency_id=user.agency_id,
    )


def reset_password(user: User, password: str, actor: User | None) -> None:
    """An administrator's reset: the old password, sessions and API tokens stop working."""
    require_manage_user(actor, user)
    validate_password(password, username=user.username, display_name=user.display_name)
    user.password_hash = hash_password(password)
    end_sessions(user, SessionEnd.password_reset, actor=actor)
    db.session.flush()
    audit.record("user.reset_password", actor=actor, obj=user, agency_id=user.agency_id)
    revoke_user_tokens(user, actor, reason="password_reset")


def change_own_password(
    user: User, current: str, new: str, keep: UserSession | None = None
) -> None:
    """Every other session of the user ends (whoever knew the old password is signed out);
    `keep`, the session making the change, goes on."""
    require_current_password(user, current, field="current")
    try:
        validate_password(new, username=user.username, display_name=user.display_name)
    except InvalidInput as err:
        err.field = "new"
        raise
    user.password_hash = hash_password(new)
    end_sessions(user, SessionEnd.password_change, keep=keep, actor=user)
    db.session.flush()
    audit.record("user.change_password", actor=user, obj=user)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_max_days(user: User) -> int:
    return user.agency.policy.token_max_days


def create_token(
    user: User, name: str = "api", days: int | None = None, actor: User | None = None
) -> str:
    """Returns the token once; only its hash is stored. It expires after `days` (at most
    the agency's policy; the policy's maximum when not chosen)."""
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise InvalidInput(_l("Give the token a name of at most 80 characters."), field="name")
    longest = token_max_days(user)
    days = longest if days is None else days
    if not isinstance(days, int) or not 1 <= days <= longest:
        raise InvalidInput(_l("A token lasts from 1 to %(max)s days.", max=longest), field="days")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = dt.datetime.now(dt.UTC)
    row = ApiToken(
        user_id=user.id,
        name=name,
        prefix=token[:12],
        token_hash=_token_hash(token),
        created_at=now,
        expires_at=now + dt.timedelta(days=days),
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "token.create",
        actor=actor or user,
        obj=row,
        agency_id=user.agency_id,
        details={"name": name, "days": days, "user": user.username},
    )
    return token


def tokens_of(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke_token(row: ApiToken, actor: User | None) -> None:
    """The owner revokes their own token; the console (`actor=None`) any token."""
    if actor is not None and actor.id != row.user_id:
        raise NotAllowed(_l("You can revoke only your own tokens."))
    if row.revoked_at is not None:
        raise InvalidInput(_l("This token is already revoked."))
    row.revoked_at = dt.datetime.now(dt.UTC)
    db.session.flush()
    audit.record(
        "token.revoke",
        actor=actor,
        obj=row,
        agency_id=row.user.agency_id,
        details={"name": row.name, "prefix": row.prefix, "user": row.user.username},
    )


def revoke_user_tokens(user: User, actor: User | None, reason: str) -> int:
    """Ends every live token of the user, e.g. when an administrator resets the password or
    changes the roles the token would act with."""
    now = dt.datetime.now(dt.UTC)
    rows = [
        row
        for row in db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        )
        if row.status(now) == "active"
    ]
    for row in rows:
        row.revoked_at = now
    db.session.flush()
    if rows:
        audit.record(
            "token.revoke_all",
            actor=actor,
            obj=user,
            agency_id=user.agency_id,
            details={"reason": reason, "count": len(rows), "prefixes": [r.prefix for r in rows]},
        )
    return len(rows)


def user_for_token(token: str) -> User | None:
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    # The user's roles come in the same statement: every API request reads them.
    row = (
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.token_hash == _token_hash(token))
            .options(joinedload(ApiToken.user).joinedload(User.role_rows))
        )
        .unique()
        .first()
    )
    now = dt.datetime.now(dt.UTC)
    if row is None or row.status(now) != "active" or not row.user.active:
        return None
    last = row.last_used_at
    if last is None or (now - last.replace(tzinfo=last.tzinfo or dt.UTC)).total_seconds() > 60:
        row.last_used_at = now
    return row.user
