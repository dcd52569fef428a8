"""Batch screenings of applicant lists and their rows.

A row keeps what the result shows (name, ID type, masked ID, institution, state, the
matched records as they stood) and, only while the job runs, the matching hash of its ID
number. The ID number itself is never stored.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Agency, User
from app.core.models import BigId, str_enum, utcnow
from app.extensions import db


class ScreeningStatus(enum.StrEnum):
    queued = "queued"
    running = "running"
    finished = "finished"
    failed = "failed"


class RowState(enum.StrEnum):
    """A row's outcome: `clear`, `record` and `objection` are `records.matching.SubjectState`;
    `pending` until matched; `bad` when the row could not be read."""

    pending = "pending"
    clear = "clear"
    record = "record"
    objection = "objection"
    bad = "bad"


class Screening(db.Model):
    __tablename__ = "screenings"
    __table_args__ = (Index("ix_screenings_agency_created", "agency_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    purpose: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[ScreeningStatus] = mapped_column(
        str_enum(ScreeningStatus, length=16), default=ScreeningStatus.queued
    )
    job_id: Mapped[str | None] = mapped_column(String(36))
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_bad: Mapped[int] = mapped_column(Integer, default=0)
    rows_clear: Mapped[int] = mapped_column(Integer, default=0)
    rows_record: Mapped[int] = mapped_column(Integer, default=0)
    rows_objection: Mapped[int] = mapped_column(Integer, default=0)
    # The result workbook in the file store, once the job has written it.
    excel_path: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    agency: Mapped[Agency] = relationship()
    requested_by: Mapped[User] = relationship()

    @property
    def hits(self) -> int:
        return self.rows_record + self.rows_objection

    @property
    def done(self) -> bool:
        return self.status in (ScreeningStatus.finished, ScreeningStatus.failed)

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows_total,
            "bad": self.rows_bad,
            "clear": self.rows_clear,
            "record": self.rows_record,
            "objection": self.rows_objection,
        }


class ScreeningRow(db.Model):
    __tablename__ = "screening_rows"
    __table_args__ = (
        Index("ix_screening_rows_screening_line", "screening_id", "line"),
        Index("ix_screening_rows_screening_state", "screening_id", "state", "line"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id", ondelete="CASCADE"))
    # The row's line in the file (the header is line 1) or its position in a JSON list.
    line: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200), default="")
    id_type: Mapped[str] = mapped_column(String(32), default="")
    id_masked: Mapped[str | None] = mapped_column(String(40))
    institution: Mapped[str] = mapped_column(String(200), default="")
    # Cleared when the job ends, whatever its outcome.
    subject_hash: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[RowState] = mapped_column(str_enum(RowState, length=16))
    problem: Mapped[str | None] = mapped_column(String(40))
    # The records in force matched, as they stood: what a single integrity check shows.
    matches: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
