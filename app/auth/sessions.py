"""Server-side sign-in sessions.

The signed Flask cookie alone cannot be taken back: a copy keeps working for as long as it
is valid. So a sign-in creates a `UserSession` row and the cookie carries only its random
key; the user loader accepts a request only while that row is live (not ended, and seen
within the idle timeout). Ending the row — sign-out, the sessions page, a password change,
a role change, deactivation, an administrator — signs that browser out at its next request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from flask import current_app, g
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.auth.models import SessionEnd, User, UserSession
from app.auth.permissions import can_manage_user, require_manage_user
from app.core import audit
from app.core.errors import NotAllowed
from app.core.models import utcnow
from app.extensions import db

SESSION_KEY = "sid"  # where the Flask session keeps the key of its row
TOUCH_EVERY = dt.timedelta(minutes=1)  # last_seen_at is written at most this often


def as_utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; they are stored as UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _idle_cutoff() -> dt.datetime:
    return utcnow() - dt.timedelta(seconds=current_app.config["SESSION_IDLE_SECONDS"])


def start_session(user: User, ip: str | None, user_agent: str | None) -> str:
    """Opens a session for a user whose sign-in is complete; returns the key for the cookie."""
    key = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            user_id=user.id,
            key_hash=_key_hash(key),
            ip=(ip or "")[:64] or None,
            user_agent=(user_agent or "")[:300] or None,
        )
    )
    db.session.flush()
    return key


def live_session(key: str | None, user_id: int) -> UserSession | None:
    if not key or len(key) > 100:
        return None
    # The user's roles come in the same statement: every page reads them (the navigation).
    return (
        db.session.scalars(
            select(UserSession)
            .where(
                UserSession.key_hash == _key_hash(key),
                UserSession.user_id == user_id,
                UserSession.ended_at.is_(None),
                UserSession.last_seen_at > _idle_cutoff(),
            )
            .options(joinedload(UserSession.user).joinedload(User.role_rows))
        )
        .unique()
        .first()
    )


def current_session() -> UserSession | None:
    """The row of the request's own session, once the user loader has accepted it."""
    return g.get("user_session")


def touch_session(row: UserSession) -> bool:
    """Moves last_seen_at on, at most once a minute so reading pages costs no write each."""
    now = utcnow()
    if now - as_utc(row.last_seen_at) < TOUCH_EVERY:
        return False
    row.last_seen_at = now
    db.session.flush()
    return True


def active_sessions(user: User) -> list[UserSession]:
    return list(
        db.session.scalars(
            select(UserSession)
            .where(
                UserSession.user_id == user.id,
                UserSession.ended_at.is_(None),
                UserSession.last_seen_at > _idle_cutoff(),
            )
            .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
        )
    )


def end_session(row: UserSession, reason: SessionEnd) -> None:
    if row.ended_at is None:
        row.ended_at = utcnow()
        row.end_reason = reason
        db.session.flush()


def end_own_session(user: User, row: UserSession) -> None:
    """The user ends one of their sessions from the sessions page (a forgotten computer)."""
    if row.user_id != user.id:
        raise NotAllowed(_l("That is not one of your sessions."))
    current = current_session()
    end_session(row, SessionEnd.ended_by_user)
    audit.record(
        "auth.session_end",
        actor=user,
        obj=row,
        details={"reason": SessionEnd.ended_by_user.value, "current": row is current},
    )


def end_sessions(
    user: User,
    reason: SessionEnd,
    keep: UserSession | None = None,
    actor: User | None = None,
) -> int:
    """Ends every session of the user but `keep`; the one mechanism behind sign-out
    everywhere, password change and reset, role change and deactivation."""
    stmt = select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if keep is not None:
        stmt = stmt.where(UserSession.id != keep.id)
    rows = list(db.session.scalars(stmt))
    for row in rows:
        end_session(row, reason)
    if rows:
        audit.record(
            "auth.sessions_end",
            actor=actor,
            obj=user,
            agency_id=user.agency_id,
            details={
                "reason": reason.value,
                "sessions": [row.id for row in rows],
                "kept": keep.id if keep is not None else None,
            },
        )
    return len(rows)


def can_end_sessions_of(actor: User, user: User) -> bool:
    """Whoever manages the account may sign it out everywhere: an agency administrator for
    the users of their agency, never a system administrator (app.auth.permissions)."""
    return can_manage_user(actor, user)


def end_user_sessions(user: User, actor: User | None) -> int:
    """An administrator signs a user out everywhere (a lost laptop, a leaving colleague)."""
    require_manage_user(actor, user)
    keep = current_session() if actor is not None and user.id == actor.id else None
    return end_sessions(user, SessionEnd.ended_by_admin, keep=keep, actor=actor)


_BROWSERS = (
    ("MicroMessenger", "WeChat"),
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    (re.compile(r"HarmonyOS|OpenHarmony"), "HarmonyOS"),
    (re.compile(r"iPhone|iPad"), "iOS"),
    (re.compile(r"Android"), "Android"),
    (re.compile(r"Windows"), "Windows"),
    (re.compile(r"Mac OS X|Macintosh"), "macOS"),
    (re.compile(r"Linux|X11"), "Linux"),
)


def describe_agent(user_agent: str | None) -> str:
    """ "Firefox on Windows" from a User-Agent header, enough to recognise one's own devices;
    the full header stays on the row."""
    agent = user_agent or ""
    browser = next((name for token, name in _BROWSERS if token in agent), "")
    system = next((name for pattern, name in _SYSTEMS if pattern.search(agent)), "")
    if browser and system:
        return f"{browser} · {system}"
    return browser or system or (agent[:40] if agent else "")
