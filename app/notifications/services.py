"""A user's own notifications: reading them, and the choice of mail delivery. Who is
notified of what is declared as hand-offs (app/notifications/handoffs.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from app.core.errors import NotAllowed
from app.core.models import utcnow
from app.extensions import db
from app.notifications.models import Notification

# The navigation's badge stops here ("99+"): a count that reads at most this many index rows.
UNREAD_CAP = 100


def unread_badge(user):
    """The navigation badge: the statement counting the user's unread notifications up to
    UNREAD_CAP from the (user_id, read_at) index, asked with the other badges' on every
    page."""
    unread = (
        select(Notification.id)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .limit(UNREAD_CAP)
    )
    return select(func.count()).select_from(unread.subquery())


def mark_read(user, notification: Notification) -> None:
    """Read stays read: a second click changes nothing. The to-do it may carry stays until
    its step is taken."""
    if notification.user_id != user.id:
        raise NotAllowed(_l("This notification is not yours."))
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()


def mark_all_read(user) -> int:
    """Everything the user has received so far is read; what arrives later is new again."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


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
