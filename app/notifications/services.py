"""A user's choice of mail delivery. Who is notified of what is declared as hand-offs
(app/notifications/handoffs.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.extensions import db


def set_email_mode(user, mode: str) -> None:
    """The user's choice of mail delivery; an unknown choice changes nothing."""
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
