"""Interviews and notes of a case: dated, authored, internal or shared."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.cases.models import Case
from app.core.models import BigId, str_enum, utcnow
from app.evidence.models import Visibility
from app.extensions import db


class NoteKind(enum.StrEnum):
    interview = "interview"
    note = "note"


class CaseNote(db.Model):
    """An interview record (谈话笔录) or a working note; never edited, only added."""

    __tablename__ = "case_notes"
    __table_args__ = (Index("ix_case_notes_case", "case_id", "happened_on", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[NoteKind] = mapped_column(str_enum(NoteKind, 16))
    title: Mapped[str] = mapped_column(String(200))
    happened_on: Mapped[dt.date] = mapped_column(Date)
    interviewee: Mapped[str | None] = mapped_column(String(200))
    location: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    visibility: Mapped[Visibility] = mapped_column(str_enum(Visibility, 16))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # An internal note marked for the review panel (see EvidenceItem.panel_marked_at).
    panel_marked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    case: Mapped[Case] = relationship()
    author: Mapped[User] = relationship()
