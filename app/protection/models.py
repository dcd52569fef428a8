"""Conflict-of-interest declarations made before joining a case team."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.calendar import procedural_now
from app.extensions import db

CONFLICT_KINDS = ("relative", "coauthor", "supervisor_student", "same_institution", "other")


class ConflictDeclaration(db.Model):
    """Part of the case record; the latest declaration of a person decides."""

    __tablename__ = "conflict_declarations"
    __table_args__ = (Index("ix_conflict_declarations_case_user", "case_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    has_conflict: Mapped[bool] = mapped_column(Boolean)
    kinds: Mapped[list[Any]] = mapped_column(JSON, default=list)
    details: Mapped[str | None] = mapped_column(Text)
    declared_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=procedural_now
    )

    user: Mapped[User] = relationship(lazy="joined")
