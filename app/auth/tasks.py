"""Housekeeping of sign-in records, run daily (scheduled in app.jobs.schedule)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, delete, or_

from app.auth.models import LoginThrottle, UserSession
from app.auth.throttle import LOCKOUTS_FORGOTTEN_AFTER
from app.core.models import utcnow
from app.extensions import db

SESSIONS_KEPT = dt.timedelta(days=90)


def prune_sign_in_records() -> dict[str, int]:
    """Deletes session rows over (ended or idle) for 90 days, and failure counters quiet for
    longer than anything they still decide; a row per sign-in would otherwise grow forever.
    What happened stays in the audit log."""
    now = utcnow()
    old = now - SESSIONS_KEPT
    sessions = db.session.execute(
        delete(UserSession).where(
            or_(
                UserSession.ended_at < old,
                and_(UserSession.ended_at.is_(None), UserSession.last_seen_at < old),
            )
        )
    ).rowcount
    throttles = db.session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.last_failure_at < now - LOCKOUTS_FORGOTTEN_AFTER,
            or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < now),
        )
    ).rowcount
    db.session.commit()
    return {"sessions": sessions, "throttles": throttles}
