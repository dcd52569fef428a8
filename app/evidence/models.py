"""Evidence items, the content-addressed blobs behind them, and their chain of custody."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.cases.models import Case
from app.core.models import BigId, str_enum, utcnow
from app.extensions import db


class EvidenceKind(enum.StrEnum):
    file = "file"
    physical = "physical"


class Visibility(enum.StrEnum):
    internal = "internal"
    shared = "shared"


class CustodyAction(enum.StrEnum):
    added = "added"
    viewed = "viewed"
    downloaded = "downloaded"
    exported = "exported"
    withdrawn = "withdrawn"
    marked_for_panel = "marked_for_panel"
    unmarked_for_panel = "unmarked_for_panel"


class Blob(db.Model):
    """One stored file, named by its SHA-256; shared by every item with the same content."""

    __tablename__ = "evidence_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mime_type: Mapped[str] = mapped_column(String(120))
    stored_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EvidenceItem(db.Model):
    __tablename__ = "evidence_items"
    __table_args__ = (
        Index("ix_evidence_items_case", "case_id", "id"),
        CheckConstraint(
            "(kind = 'file' AND blob_sha256 IS NOT NULL) OR (kind = 'physical')",
            name="file_has_blob",
        ),
        CheckConstraint(
            "withdrawn_at IS NULL OR withdrawn_reason IS NOT NULL", name="withdrawal_has_reason"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[EvidenceKind] = mapped_column(str_enum(EvidenceKind))
    # The title as typed; or, with `title_code`, the parameter of a title the platform wrote
    # (a task report's attachment), worded in the reader's language when shown.
    stored_title: Mapped[str] = mapped_column("title", String(300))
    title_code: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str | None] = mapped_column(Text)
    original_name: Mapped[str | None] = mapped_column(String(255))
    blob_sha256: Mapped[str | None] = mapped_column(ForeignKey("evidence_blobs.sha256"))
    location: Mapped[str | None] = mapped_column(String(300))
    visibility: Mapped[Visibility] = mapped_column(
        str_enum(Visibility), default=Visibility.internal
    )
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    # Internal material the case team marked for the review panel: it stays internal (never
    # shown to a joint participant or in a shared dossier) but enters the review package.
    panel_marked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    case: Mapped[Case] = relationship()
    blob: Mapped[Blob | None] = relationship(lazy="joined")
    added_by: Mapped[User] = relationship(foreign_keys=[added_by_id], lazy="joined")
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])
    custody: Mapped[list[CustodyEvent]] = relationship(
        back_populates="item", order_by="CustodyEvent.id", viewonly=True
    )

    @hybrid_property
    def title(self) -> str:
        """In the reader's language; in a query, the stored title (or value)."""
        from app.evidence.labels import evidence_title

        return evidence_title(self.title_code, self.stored_title)

    @title.inplace.setter
    def _title_setter(self, value: str) -> None:
        self.stored_title = value

    @title.inplace.expression
    @classmethod
    def _title_expression(cls):
        return cls.stored_title

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def previewable(self) -> bool:
        return self.blob is not None and (
            self.blob.mime_type.startswith("image/") or self.blob.mime_type == "application/pdf"
        )


class CustodyEvent(db.Model):
    """Who did what with an item, and when: the chain of custody."""

    __tablename__ = "evidence_custody"
    __table_args__ = (Index("ix_evidence_custody_item", "item_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_items.id"))
    action: Mapped[CustodyAction] = mapped_column(str_enum(CustodyAction))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)
    # What the platform says about the event, as codes and values rendered in the reader's
    # language (`note_text`): {"dossier": document id}, {"review": id} for a panel member.
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))

    item: Mapped[EvidenceItem] = relationship(back_populates="custody")

    @property
    def note_text(self) -> str:
        from app.evidence.labels import custody_note

        return custody_note(self)

    actor: Mapped[User | None] = relationship(lazy="joined")
