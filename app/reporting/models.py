"""Reports from the public portal, their files and messages, and the portal's address log."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Agency, User
from app.core.crypto import EncryptedText
from app.core.models import BigId, str_enum, utcnow
from app.extensions import db


class ReportState(enum.StrEnum):
    received = "received"  # in the agency's intake
    registered = "registered"  # registered as a new case
    attached = "attached"  # attached to an existing case
    not_accepted = "not_accepted"


class ReporterStatus(enum.StrEnum):
    """What the reporter may know: never the case's state itself."""

    received = "received"
    accepted = "accepted"
    not_accepted = "not_accepted"
    handled = "handled"


class Author(enum.StrEnum):
    reporter = "reporter"
    officer = "officer"


class Report(db.Model):
    __tablename__ = "reports"
    __table_args__ = (
        Index("ix_reports_agency_state", "agency_id", "state", "submitted_at"),
        CheckConstraint(
            "state <> 'not_accepted' OR decision_reason IS NOT NULL", name="not_accepted_reason"
        ),
        CheckConstraint(
            "state NOT IN ('registered', 'attached') OR case_id IS NOT NULL", name="has_case"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    state: Mapped[ReportState] = mapped_column(str_enum(ReportState), default=ReportState.received)
    # HMAC-SHA256 of the receipt code under the node's key (see app.reporting.codes).
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    outcome_due: Mapped[dt.date] = mapped_column(Date)
    respondents: Mapped[list[Any]] = mapped_column(JSON, default=list)
    misconduct_types: Mapped[list[Any]] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text)
    leads: Mapped[str | None] = mapped_column(Text)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    reporter_name: Mapped[str | None] = mapped_column(EncryptedText(600))
    reporter_contact: Mapped[str | None] = mapped_column(EncryptedText(800))
    # SHA-256 of what was submitted (texts and files' hashes), printed on the receipt.
    content_digest: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Shown to the reporter when not accepted; internal_note never is.
    decision_reason: Mapped[str | None] = mapped_column(Text)
    internal_note: Mapped[str | None] = mapped_column(Text)
    reporter_seen_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    agency: Mapped[Agency] = relationship(lazy="joined")
    decided_by: Mapped[User | None] = relationship()
    files: Mapped[list[ReportFile]] = relationship(
        back_populates="report", order_by="ReportFile.id", cascade="all, delete-orphan"
    )
    messages: Mapped[list[ReportMessage]] = relationship(
        back_populates="report", order_by="ReportMessage.id", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.state == ReportState.received


class ReportFile(db.Model):
    """A file of the report, stored in the evidence store (content-addressed)."""

    __tablename__ = "report_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    blob_sha256: Mapped[str] = mapped_column(ForeignKey("evidence_blobs.sha256"))
    original_name: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(BigInteger)
    mime_type: Mapped[str] = mapped_column(String(120))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Set when the file became evidence of the report's case.
    evidence_item_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_items.id"))

    report: Mapped[Report] = relationship(back_populates="files")


class ReportMessage(db.Model):
    __tablename__ = "report_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    author: Mapped[Author] = mapped_column(str_enum(Author))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    report: Mapped[Report] = relationship(back_populates="messages")
    user: Mapped[User | None] = relationship()


class PortalVisit(db.Model):
    """A portal submission, follow-up or refused code, with the address it came from. The
    address is erased after the policy's retention (`erase_old_addresses`); the audit entry
    of the same step never holds it, so the hash-chained log needs no change to forget it."""

    __tablename__ = "portal_visits"
    __table_args__ = (
        Index("ix_portal_visits_address_at", "address", "at"),
        Index("ix_portal_visits_agency_at", "agency_id", "action", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(64))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"), index=True)
