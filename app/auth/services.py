"""Accounts: creation, roles, passwords, deactivation and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.auth.models import Agency, ApiToken, Role, SessionEnd, User, UserSession
from app.auth.passwords import DEMO_PASSWORD, MIN_LENGTH, check_password, hash_password
from app.auth.sessions import current_session, end_sessions
from app.core import audit
from app.core.errors import InvalidInput, NotAllowed
from app.extensions import db

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
TOKEN_PREFIX = "yrd_"


def validate_password(password: str) -> None:
    if password == DEMO_PASSWORD and not current_app.config.get("DEMO"):
        raise InvalidInput(_l("The demo password is allowed only in demo mode."), field="password")
    if password != DEMO_PASSWORD and len(password or "") < MIN_LENGTH:
        raise InvalidInput(
            _l("A password needs at least %(n)s characters.", n=MIN_LENGTH), field="password"
        )


def create_user(
    username: str,
    display_name: str,
    agency: Agency,
    roles,
    password: str,
    actor: User | None = None,
    email: str | None = None,
) -> User:
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
    if not roles:
        raise InvalidInput(_l("Give the user at least one role."), field="roles")
    validate_password(password)
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


def require_admin_of(actor: User, user: User) -> None:
    if not (actor.has_role(Role.agency_admin) and actor.agency_id == user.agency_id):
        raise NotAllowed(_l("Only an administrator of the user's agency can do this."))


def update_user(user: User, actor: User, display_name: str, email: str | None, roles) -> None:
    require_admin_of(actor, user)
    roles = {Role(r) for r in roles}
    if not roles:
        raise InvalidInput(_l("Give the user at least one role."), field="roles")
    if user.id == actor.id and Role.agency_admin not in roles:
        raise InvalidInput(_l("You cannot remove your own administrator role."), field="roles")
    if not (display_name or "").strip():
        raise InvalidInput(_l("A display name is required."), field="display_name")
    before = sorted(r.value for r in user.roles)
    user.display_name = display_name.strip()
    user.email = (email or "").strip() or None
    user.set_roles(roles)
    db.session.flush()
    audit.record(
        "user.update",
        actor=actor,
        obj=user,
        details={"roles_before": before, "roles": sorted(r.value for r in roles)},
    )
    if before != sorted(r.value for r in roles):
        keep = current_session() if user.id == actor.id else None
        end_sessions(user, SessionEnd.role_change, keep=keep, actor=actor)


def set_active(user: User, active: bool, actor: User) -> None:
    require_admin_of(actor, user)
    if user.id == actor.id and not active:
        raise InvalidInput(_l("You cannot deactivate your own account."))
    user.active = active
    if not active:
        end_sessions(user, SessionEnd.deactivated, actor=actor)
    db.session.flush()
    audit.record("user.activate" if active else "user.deactivate", actor=actor, obj=user)


def reset_password(user: User, password: str, actor: User) -> None:
    require_admin_of(actor, user)
    validate_password(password)
    user.password_hash = hash_password(password)
    end_sessions(user, SessionEnd.password_reset, actor=actor)
    db.session.flush()
    audit.record("user.reset_password", actor=actor, obj=user)


def change_own_password(
    user: User, current: str, new: str, keep: UserSession | None = None
) -> None:
    """Every other session of the user ends (whoever knew the old password is signed out);
    `keep`, the session making the change, goes on."""
    if not check_password(user.password_hash, current):
        raise InvalidInput(_l("The current password is wrong."), field="current")
    validate_password(new)
    user.password_hash = hash_password(new)
    end_sessions(user, SessionEnd.password_change, keep=keep, actor=user)
    db.session.flush()
    audit.record("user.change_password", actor=user, obj=user)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, name: str = "api") -> str:
    """Returns the token once; only its hash is stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(
        ApiToken(user_id=user.id, name=name[:80], prefix=token[:12], token_hash=_token_hash(token))
    )
    db.session.flush()
    audit.record("token.create", actor=user, agency_id=user.agency_id, details={"name": name})
    return token


def user_for_token(token: str) -> User | None:
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    now = dt.datetime.now(dt.UTC)
    last = row.last_used_at
    if last is None or (now - last.replace(tzinfo=last.tzinfo or dt.UTC)).total_seconds() > 60:
        row.last_used_at = now
    return row.user
