"""In-app notifications: hand-offs (who must act now), reminders and news a user sees on
their notifications page, and each user's choice of e-mail delivery."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.models import str_enum, utcnow
from app.extensions import db


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_created", "user_id", "created_at"),
        # One reminder of a kind per case, user and day: a re-run of a daily job adds nothing.
        Index("uq_notifications_dedupe", "user_id", "dedupe_key", unique=True),
        # A step taken by anyone closes every open to-do of it, for every recipient at once.
        Index("ix_notifications_todo", "todo_key", "done_at"),
        Index("ix_notifications_unmailed", "mailed_at", "created_at"),
        # The navigation's unread count, on every page.
        Index("ix_notifications_user_unread", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[str] = mapped_column(String(40))
    # Older notifications carry their rendered text; a hand-off carries its event (`kind`)
    # and `params`, rendered in the reader's language when shown or mailed.
    text: Mapped[str] = mapped_column(Text)
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Where the step is taken: {"endpoint": ..., "values": {...}, "anchor": ...}.
    link: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    todo_key: Mapped[str | None] = mapped_column(String(120))
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    dedupe_key: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Set once the notification went out by mail (or was found not to be mailed at all).
    mailed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()

    @property
    def is_todo(self) -> bool:
        return self.todo_key is not None and self.done_at is None


class EmailMode(enum.StrEnum):
    immediate = "immediate"
    digest = "digest"
    off = "off"


class NotificationSettings(db.Model):
    """A user's choice of mail delivery; no row means the default (immediate)."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    email_mode: Mapped[EmailMode] = mapped_column(str_enum(EmailMode), default=EmailMode.immediate)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
