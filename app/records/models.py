"""Integrity records, their versions and recognition decisions.

One table holds both the records this node publishes and those received from peers
(`origin_node` tells them apart), so an integrity check is one indexed query. A received
record names the exchange peer it came from by table (`exchange_peers`): records never
imports the exchange, which builds on records.
"""

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
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    false,
    or_,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Agency, User
from app.cases.models import Case, Party
from app.core.models import BigId, str_enum, utcnow
from app.extensions import db


class RecordStatus(enum.StrEnum):
    draft = "draft"
    active = "active"
    expired = "expired"
    revoked = "revoked"
    # A draft discarded before publication (the decision no longer warrants it): terminal,
    # never published nor exchanged, seen by its own agency only.
    withdrawn = "withdrawn"


# The statuses of a record that has never been published: seen by its agency only.
UNPUBLISHED = (RecordStatus.draft, RecordStatus.withdrawn)


def in_force(status: RecordStatus, term_end: dt.date | None) -> RecordStatus:
    """An active record whose term has ended (in China Standard Time) is expired."""
    from app.core.calendar import today

    if status == RecordStatus.active and term_end is not None and term_end < today():
        return RecordStatus.expired
    return status


class DraftStage(enum.StrEnum):
    """Where a draft stands on its way to publication: waiting for an administrator,
    returned to its officer with a reason, or approved and held until the decision's review
    window has closed."""

    submitted = "submitted"
    returned = "returned"
    held = "held"


class RecognitionDecision(enum.StrEnum):
    recognise = "recognise"
    recognise_modified = "recognise_modified"
    decline = "decline"


class AckStatus(enum.StrEnum):
    """Where a recognition decision taken here on a received record stands on its way back
    to the record's origin."""

    pending = "pending"
    delivered = "delivered"
    failed = "failed"


class IntegrityRecord(db.Model):
    __tablename__ = "integrity_records"
    __table_args__ = (
        Index("ix_integrity_records_subject", "subject_hash", "status"),
        Index("ix_integrity_records_origin_status", "origin_node", "status", "id"),
        # The dashboard's queues list the oldest waiting records first.
        Index("ix_integrity_records_created", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_uid: Mapped[str] = mapped_column(String(64), unique=True)
    origin_node: Mapped[str] = mapped_column(String(64))
    is_local: Mapped[bool] = mapped_column(Boolean, default=True)
    peer_id: Mapped[int | None] = mapped_column(ForeignKey("exchange_peers.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    deciding_agency: Mapped[str] = mapped_column(String(200))
    subject_name: Mapped[str] = mapped_column(String(200))
    subject_hash: Mapped[str | None] = mapped_column(String(64))
    subject_id_masked: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[RecordStatus] = mapped_column(str_enum(RecordStatus), default=RecordStatus.draft)
    current_version: Mapped[int] = mapped_column(Integer, default=0)
    effective_date: Mapped[dt.date | None] = mapped_column(Date)
    term_end: Mapped[dt.date | None] = mapped_column(Date)
    lifetime: Mapped[bool] = mapped_column(Boolean, default=False)
    # The fields an officer drafted, waiting for an administrator's approval.
    draft: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The current version's payload, as published.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Set while the record is a draft (None once published).
    draft_stage: Mapped[DraftStage | None] = mapped_column(
        str_enum(DraftStage, length=16), default=DraftStage.submitted
    )
    # A held record is published on this day, once the review request window has closed
    # (None while a requested review is under way: it waits for the review's outcome).
    publish_on: Mapped[dt.date | None] = mapped_column(Date)
    # Why an administrator published before the review window closed.
    early_reason: Mapped[str | None] = mapped_column(Text)
    # The approval's steps, oldest first: {"step", "at", "by", "reason"?, "until"?}.
    approval_log: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    drafted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    # The last day of the public-query period (by severity) and of the query limit, from
    # `app.records.policy`; both follow the current version's terms, here and at every peer.
    publish_until: Mapped[dt.date | None] = mapped_column(Date)
    query_until: Mapped[dt.date | None] = mapped_column(Date)
    # The subject's objection is being handled: checks and screenings say so.
    under_objection: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Credit repair was approved on this day: the record leaves checks and screenings.
    repaired_on: Mapped[dt.date | None] = mapped_column(Date)

    case: Mapped[Case | None] = relationship()
    party: Mapped[Party | None] = relationship()
    agency: Mapped[Agency | None] = relationship()
    # The peer a received record came from: named, not imported (the exchange builds on records).
    peer: Mapped[ExchangePeer | None] = relationship("ExchangePeer")  # noqa: F821
    drafted_by: Mapped[User | None] = relationship(foreign_keys=[drafted_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    versions: Mapped[list[RecordVersion]] = relationship(
        back_populates="record", order_by="RecordVersion.version"
    )
    recognitions: Mapped[list[Recognition]] = relationship(
        back_populates="record", order_by="Recognition.id"
    )

    @classmethod
    def checkable_at(cls, day: dt.date):
        """The SQL clause of a record that a check or screening returns on `day`: not
        revoked, not repaired, within its query limit. The record stays in the case file
        and in the statistics either way."""
        return and_(
            cls.status != RecordStatus.revoked,
            cls.repaired_on.is_(None),
            or_(cls.query_until.is_(None), cls.query_until >= day),
        )

    @property
    def approval_steps(self) -> list[dict[str, Any]]:
        """The approval log with its times as datetimes, for the page."""
        return [
            {**entry, "at": dt.datetime.fromisoformat(entry["at"])}
            for entry in (self.approval_log or [])
        ]

    @property
    def withdrawal_reason(self) -> str | None:
        """Why a withdrawn draft was withdrawn (kept in its approval log)."""
        if self.status != RecordStatus.withdrawn:
            return None
        steps = [e for e in (self.approval_log or []) if e.get("step") == "withdrawn"]
        return steps[-1].get("reason") if steps else None

    def deciding_agency_name(self, locale: str) -> str:
        """The deciding agency in the reader's language: a local record's agency by its own
        names; a received record's as it was sent."""
        return self.agency.display_name(locale) if self.agency is not None else self.deciding_agency

    @property
    def case_reference(self) -> str:
        """The case's reference as published (a peer's record carries it), else the local
        case's (a draft). A list naming records loads `case` with them."""
        published = (self.payload or {}).get("case_reference")
        if published:
            return published
        return self.case.reference if self.case_id is not None and self.case else ""

    @property
    def name(self) -> str:
        """How a record is named wherever it is listed (dashboard, notifications, audit): its
        subject and its case. Whoever may see the record sees both on its page."""
        reference = self.case_reference
        return f"{self.subject_name} · {reference}" if reference else self.subject_name


class RecordVersion(db.Model):
    """One published version, with the signed envelope exactly as sent or received.

    For local versions the id is the pull cursor peers page through."""

    __tablename__ = "record_versions"
    __table_args__ = (
        UniqueConstraint("record_id", "version"),
        Index("ix_record_versions_local", "is_local", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("integrity_records.id"))
    version: Mapped[int] = mapped_column(Integer)
    is_local: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[RecordStatus] = mapped_column(str_enum(RecordStatus))
    envelope: Mapped[dict[str, Any]] = mapped_column(JSON)
    envelope_sha256: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    stored_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    record: Mapped[IntegrityRecord] = relationship(back_populates="versions")

    @property
    def superseded(self) -> bool:
        """A later version of the record replaces this one."""
        return self.version < self.record.current_version


class Recognition(db.Model):
    """A receiving agency's decision on a record: taken here on a received record, or reported
    back by a peer (peer_id set) on a record this node published."""

    __tablename__ = "record_recognitions"
    __table_args__ = (UniqueConstraint("record_id", "peer_id", "agency_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("integrity_records.id"), index=True)
    peer_id: Mapped[int | None] = mapped_column(ForeignKey("exchange_peers.id"))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    agency_code: Mapped[str] = mapped_column(String(16))
    agency_name: Mapped[str] = mapped_column(String(200), default="")
    version: Mapped[int] = mapped_column(Integer)
    decision: Mapped[RecognitionDecision] = mapped_column(str_enum(RecognitionDecision))
    modified_terms: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ack_status: Mapped[AckStatus | None] = mapped_column(str_enum(AckStatus))
    ack_error: Mapped[str | None] = mapped_column(Text)
    ack_receipt: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    record: Mapped[IntegrityRecord] = relationship(back_populates="recognitions")
    peer: Mapped[ExchangePeer | None] = relationship("ExchangePeer")  # noqa: F821
    decided_by: Mapped[User | None] = relationship()
    agency: Mapped[Agency | None] = relationship()

    def agency_display(self, locale: str) -> str:
        """A local agency by its own names; a peer's as it reported itself."""
        if self.agency is not None:
            return self.agency.display_name(locale)
        return self.agency_name or self.agency_code


class ObjectionState(enum.StrEnum):
    pending = "pending"  # with the agency that registered it
    forwarded = "forwarded"  # with the deciding agency
    upheld = "upheld"
    dismissed = "dismissed"


OBJECTION_OPEN = (ObjectionState.pending, ObjectionState.forwarded)


class ObjectionResolution(enum.StrEnum):
    corrected = "corrected"
    revoked = "revoked"


class RecordObjection(db.Model):
    """A subject's objection (异议) to a record published here, registered by an officer or
    filed by the subject on the public portal (no registering user; found again by the keyed
    hash of its receipt code, `code_hash`). Registering marks the record "under objection"
    (a new version); the registering agency decides it or forwards it to the deciding
    agency; the decision clears the mark with a corrected version, a revocation or the
    reasons of a dismissal."""

    __tablename__ = "record_objections"
    __table_args__ = (
        Index("ix_record_objections_open", "state", "decide_due", "id"),
        CheckConstraint(
            "state IN ('pending', 'forwarded') OR (reasons IS NOT NULL AND decided_on IS NOT NULL)",
            name="ck_record_objections_decided",
        ),
        CheckConstraint(
            "registered_by_id IS NOT NULL OR code_hash IS NOT NULL",
            name="ck_record_objections_registered",
        ),
        Index("ix_record_objections_code_hash", "code_hash", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("integrity_records.id"), index=True)
    # The agency handling it now: the registering agency, then the deciding one once forwarded.
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    registered_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    state: Mapped[ObjectionState] = mapped_column(
        str_enum(ObjectionState, length=16), default=ObjectionState.pending
    )
    grounds: Mapped[str] = mapped_column(Text)
    # How the subject is reached with the outcome (post, mail): never published.
    subject_contact: Mapped[str] = mapped_column(String(200))
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Filed on the portal: the keyed hash of the receipt code the subject follows it up with.
    code_hash: Mapped[str | None] = mapped_column(String(64))
    registered_on: Mapped[dt.date] = mapped_column(Date)
    mark_due: Mapped[dt.date] = mapped_column(Date)
    marked_on: Mapped[dt.date | None] = mapped_column(Date)
    forward_due: Mapped[dt.date | None] = mapped_column(Date)
    forwarded_on: Mapped[dt.date | None] = mapped_column(Date)
    decide_due: Mapped[dt.date] = mapped_column(Date)
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolution: Mapped[ObjectionResolution | None] = mapped_column(
        str_enum(ObjectionResolution, length=16)
    )
    reasons: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    record: Mapped[IntegrityRecord] = relationship()
    agency: Mapped[Agency] = relationship(foreign_keys=[agency_id])
    registered_agency: Mapped[Agency] = relationship(foreign_keys=[registered_agency_id])
    registered_by: Mapped[User | None] = relationship(foreign_keys=[registered_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    files: Mapped[list[ObjectionFile]] = relationship(
        back_populates="objection", order_by="ObjectionFile.id"
    )

    @property
    def is_open(self) -> bool:
        return self.state in OBJECTION_OPEN

    @property
    def via_portal(self) -> bool:
        return self.code_hash is not None


class ObjectionFile(db.Model):
    """A file the subject attached to an objection on the portal, in the evidence store."""

    __tablename__ = "record_objection_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    objection_id: Mapped[int] = mapped_column(ForeignKey("record_objections.id"), index=True)
    blob_sha256: Mapped[str] = mapped_column(ForeignKey("evidence_blobs.sha256"))
    original_name: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(BigInteger)
    mime_type: Mapped[str] = mapped_column(String(120))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    objection: Mapped[RecordObjection] = relationship(back_populates="files")


class RepairState(enum.StrEnum):
    pending = "pending"
    approved = "approved"
    refused = "refused"


class RepairRequest(db.Model):
    """A subject's application for credit repair (信用修复) of a record published here, with
    the proof of remedy and the signed commitment (信用承诺) as stored files. The deciding
    agency decides with reasons; an approved repair is a new version that takes the record
    out of checks and screenings."""

    __tablename__ = "record_repairs"
    __table_args__ = (
        Index("ix_record_repairs_open", "state", "decide_due", "id"),
        CheckConstraint(
            "state = 'pending' OR (reasons IS NOT NULL AND decided_on IS NOT NULL)",
            name="ck_record_repairs_decided",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("integrity_records.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    state: Mapped[RepairState] = mapped_column(
        str_enum(RepairState, length=16), default=RepairState.pending
    )
    statement: Mapped[str] = mapped_column(Text)
    proof_name: Mapped[str] = mapped_column(String(255))
    proof_sha256: Mapped[str] = mapped_column(String(64))
    commitment_name: Mapped[str] = mapped_column(String(255))
    commitment_sha256: Mapped[str] = mapped_column(String(64))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_on: Mapped[dt.date] = mapped_column(Date)
    decide_due: Mapped[dt.date] = mapped_column(Date)
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reasons: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    record: Mapped[IntegrityRecord] = relationship()
    agency: Mapped[Agency] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
