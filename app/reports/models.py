"""Integrity reports (诚信报告): each issued PDF, with the record set it stated."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Agency, User
from app.core.models import str_enum
from app.extensions import db


class SubjectKind(enum.StrEnum):
    person = "person"
    institution = "institution"


class IntegrityReport(db.Model):
    __tablename__ = "integrity_reports"
    __table_args__ = (Index("ix_integrity_reports_agency_as_of", "agency_id", "as_of"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    subject_kind: Mapped[SubjectKind] = mapped_column(str_enum(SubjectKind, 16))
    subject_name: Mapped[str] = mapped_column(String(200))
    subject_id_masked: Mapped[str | None] = mapped_column(String(40))
    subject_hash: Mapped[str] = mapped_column(String(64))
    as_of: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    record_count: Mapped[int] = mapped_column(Integer)
    # [{"uid", "version"}] of the records in force it stated, for the audit and the page.
    records: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    fingerprint: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(String(300))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))

    requested_by: Mapped[User] = relationship()
    agency: Mapped[Agency] = relationship()

    @property
    def filename(self) -> str:
        return f"integrity-report-{self.code}.pdf"
