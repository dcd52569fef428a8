"""Generated annual reports: each PDF stored once, with its SHA-256, like dossiers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Agency, User
from app.core.models import utcnow
from app.extensions import db


class AnnualReport(db.Model):
    __tablename__ = "annual_reports"
    __table_args__ = (Index("ix_annual_reports_user_created", "requested_by_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[str] = mapped_column(String(40), unique=True)
    # "agency" (agency_id set) or "region" (every agency, small counts withheld).
    scope: Mapped[str] = mapped_column(String(16))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    year: Mapped[int] = mapped_column(Integer)
    locale: Mapped[str] = mapped_column(String(8))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    job_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    agency: Mapped[Agency | None] = relationship()
    requested_by: Mapped[User] = relationship()

    @property
    def filename(self) -> str:
        return f"annual-report-{self.year}-{self.scope}-{self.document_id}.pdf"
