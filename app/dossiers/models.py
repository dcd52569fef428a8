"""Generated case dossiers: each PDF stored once, with its SHA-256 for verification."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, DateTime, Enum, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.models import utcnow
from app.extensions import db


class DossierLevel(enum.StrEnum):
    internal = "internal"
    shared = "shared"


class Dossier(db.Model):
    __tablename__ = "dossiers"
    __table_args__ = (Index("ix_dossiers_case_created", "case_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[str] = mapped_column(String(40), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    level: Mapped[DossierLevel] = mapped_column(
        Enum(DossierLevel, native_enum=False, length=16, validate_strings=True)
    )
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    job_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int] = mapped_column(Integer)
    pdfa: Mapped[bool] = mapped_column(Boolean, default=False)
    path: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    requested_by: Mapped[User] = relationship()

    @property
    def filename(self) -> str:
        return f"dossier-{self.document_id}.pdf"
