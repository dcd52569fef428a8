"""A notification is its recipient's alone: for anyone else it does not exist."""

from __future__ import annotations

from flask import abort

from app.extensions import db
from app.notifications.models import Notification


def get_notification_or_404(notification_id: int, user) -> Notification:
    row = db.session.get(Notification, notification_id)
    if row is None or row.user_id != user.id:
        abort(404)
    return row
