"""Shared tables: the audit log, the working-day calendar overrides and calendar years."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


def str_enum(enum_cls, length: int = 32):
    """A closed set stored as its values' strings (no native enum type to migrate)."""
    return Enum(enum_cls, native_enum=False, length=length, validate_strings=True)


BigId = BigInteger().with_variant(Integer, "sqlite")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class AuditEntry(db.Model):
    """One append-only, hash-chained entry; see app.core.audit."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    ip: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    __table_args__ = (Index("ix_audit_entries_at", "at"),)


class CalendarDay(db.Model):
    """An override of the built-in Chinese holiday calendar, kept as data by administrators.

    Used for years the bundled calendar does not know yet, and for local adjustments.
    """

    __tablename__ = "calendar_days"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool]
    name: Mapped[str] = mapped_column(String(80), default="")
    note: Mapped[str | None] = mapped_column(Text)


class CalendarYear(db.Model):
    """A year's public holidays and make-up working days (调休上班) as the State Council
    announced them, entered by a system administrator from its notice: `imported` until
    confirmed, then `confirmed`. A year with no row is taken from the bundled
    `chinese_calendar` data when it knows the year, else Monday to Friday are working days.

    `holidays` is a list of {"name", "start", "end"} (ISO dates, inclusive), `workdays` a
    list of {"day", "name"}; `version` grows with every change, so a process can tell that
    its cached calendar is stale (app.core.calendar)."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    state: Mapped[str] = mapped_column(String(16))
    holidays: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    workdays: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(300))
    version: Mapped[int] = mapped_column(Integer, default=1)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def id(self) -> int:
        """The year, as the audit log names the object."""
        return self.year


class SignedDocument(db.Model):
    """A PDF this node signed (`app.core.pdfsign`): its verification code and SHA-256, so a
    verify page answers by code or by file, whichever feature issued it. A report's
    fingerprint of the record set it stated lets the page tell whether that set changed."""

    __tablename__ = "signed_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    node_id: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    subject_hash: Mapped[str | None] = mapped_column(String(64))
