"""Official documents of a case (文书): per-agency templates, drafts, issued documents with
their number (文号) and PDF, and how each issued document was served (送达)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.cases.models import Case, Party
from app.core.models import str_enum, utcnow
from app.extensions import db

# The kind under which issued documents are signed and registered (app.core.pdfsign).
SIGNED_KIND = "official_document"


class DocumentKind(enum.StrEnum):
    acceptance_notice = "acceptance_notice"  # 受理通知书
    non_acceptance_notice = "non_acceptance_notice"  # 不予受理告知书
    investigation_notice = "investigation_notice"  # 立案/调查通知书
    pre_decision_notice = "pre_decision_notice"  # 告知书 (陈述申辩)
    decision = "decision"  # 处理决定书
    review_decision = "review_decision"  # 复查决定书


class DocumentState(enum.StrEnum):
    draft = "draft"
    issued = "issued"


class ServiceMethod(enum.StrEnum):
    in_person = "in_person"  # 直接送达
    post = "post"  # 邮寄送达
    electronic = "electronic"  # 电子送达 (with the party's written consent)


class DocumentTemplate(db.Model):
    """An agency's own wording of one kind of document; without one the built-in wording
    (app.documents.wording) is used."""

    __tablename__ = "document_templates"
    __table_args__ = (UniqueConstraint("agency_id", "kind", name="uq_document_templates_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    kind: Mapped[DocumentKind] = mapped_column(str_enum(DocumentKind))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    updated_by: Mapped[User] = relationship()
    __mapper_args__ = {"version_id_col": version}


class DocumentDesignation(db.Model):
    """The agency's designation (机关代字) its document numbers begin with."""

    __tablename__ = "document_designations"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), unique=True)
    designation: Mapped[str] = mapped_column(String(20))


class DocumentCounter(db.Model):
    """The last number given per agency and year. Issuing locks the row, so numbers are
    handed out one at a time and a rolled-back issue returns its number."""

    __tablename__ = "document_counters"
    __table_args__ = (
        UniqueConstraint("agency_id", "year", name="uq_document_counters_year"),
        CheckConstraint("last_number >= 0", name="counter_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    year: Mapped[int] = mapped_column(Integer)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class OfficialDocument(db.Model):
    __tablename__ = "official_documents"
    __table_args__ = (
        UniqueConstraint("agency_id", "year", "sequence", name="uq_official_documents_number"),
        CheckConstraint(
            "state = 'draft' OR (number IS NOT NULL AND sequence IS NOT NULL "
            "AND year IS NOT NULL AND issued_at IS NOT NULL AND issued_by_id IS NOT NULL)",
            name="issued_has_number",
        ),
        Index("ix_official_documents_case", "case_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    kind: Mapped[DocumentKind] = mapped_column(str_enum(DocumentKind))
    state: Mapped[DocumentState] = mapped_column(
        str_enum(DocumentState), default=DocumentState.draft
    )
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
    recipient: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    number: Mapped[str | None] = mapped_column(String(60))
    year: Mapped[int | None] = mapped_column(Integer)
    sequence: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    issued_on: Mapped[dt.date | None] = mapped_column(Date)
    sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    pdf_path: Mapped[str | None] = mapped_column(String(300))
    pdf_size: Mapped[int | None] = mapped_column(Integer)
    pages: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)

    case: Mapped[Case] = relationship()
    party: Mapped[Party | None] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])
    service: Mapped[DocumentService | None] = relationship(back_populates="document")
    __mapper_args__ = {"version_id_col": version}

    @property
    def is_issued(self) -> bool:
        return self.state == DocumentState.issued

    @property
    def filename(self) -> str:
        return f"document-{self.id}.pdf"


class DocumentService(db.Model):
    """How and when an issued document reached its recipient, and the proof."""

    __tablename__ = "document_services"
    __table_args__ = (
        CheckConstraint(
            "method <> 'post' OR tracking_number IS NOT NULL", name="post_has_tracking"
        ),
        CheckConstraint(
            "method <> 'electronic' OR consent IS NOT NULL", name="electronic_has_consent"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("official_documents.id"), unique=True)
    method: Mapped[ServiceMethod] = mapped_column(str_enum(ServiceMethod))
    served_on: Mapped[dt.date] = mapped_column(Date)
    tracking_number: Mapped[str | None] = mapped_column(String(60))
    consent: Mapped[str | None] = mapped_column(String(300))
    proof_sha256: Mapped[str] = mapped_column(String(64))
    proof_name: Mapped[str] = mapped_column(String(200))
    proof_type: Mapped[str] = mapped_column(String(100))
    proof_size: Mapped[int] = mapped_column(Integer)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    document: Mapped[OfficialDocument] = relationship(back_populates="service")
    recorded_by: Mapped[User] = relationship()
