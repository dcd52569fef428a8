"""What the record tests read back: a record's audit trail and a user's notifications."""

from __future__ import annotations

from sqlalchemy import select

from app.core.models import AuditEntry
from app.extensions import db
from app.notifications.models import Notification


def audit_actions(record) -> list[str]:
    """The audit actions written about `record`, oldest first."""
    return list(
        db.session.scalars(
            select(AuditEntry.action)
            .where(
                AuditEntry.object_type == "IntegrityRecord",
                AuditEntry.object_id == str(record.id),
            )
            .order_by(AuditEntry.id)
        )
    )


def notifications_of(user, kind: str | None = None) -> list[Notification]:
    """`user`'s notifications (of one kind), oldest first."""
    query = select(Notification).where(Notification.user_id == user.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query.order_by(Notification.id)))
