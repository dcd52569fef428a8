"""Sending in-app notifications."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.notifications.models import Notification


def notify(user, text: str, *, kind: str, case=None, dedupe_key: str | None = None) -> bool:
    """Add a notification unless one with the same dedupe key already exists for the user;
    returns whether one was added. The caller commits."""
    if dedupe_key is not None:
        exists = db.session.scalar(
            select(Notification.id).where(
                Notification.user_id == user.id, Notification.dedupe_key == dedupe_key
            )
        )
        if exists:
            return False
    db.session.add(
        Notification(
            user_id=user.id,
            case_id=getattr(case, "id", None),
            kind=kind,
            text=text,
            dedupe_key=dedupe_key,
        )
    )
    db.session.flush()
    return True


def set_email_mode(user, mode: str) -> None:
    """The user's choice of mail delivery; an unknown choice changes nothing."""
    from flask_babel import lazy_gettext as _l

    from app.core import audit
    from app.core.errors import InvalidInput
    from app.notifications.models import EmailMode, NotificationSettings

    try:
        choice = EmailMode(mode)
    except ValueError as exc:
        raise InvalidInput(_l("Choose how you receive notifications."), field="email_mode") from exc
    row = db.session.get(NotificationSettings, user.id)
    if row is None:
        row = NotificationSettings(user_id=user.id)
        db.session.add(row)
    row.email_mode = choice
    db.session.flush()
    audit.record("notifications.email_mode", actor=user, details={"mode": choice.value})
