"""The committee registry (登记) and annual reports: what a unit's committee office files
with its province's authority, and the listed activities it registers after approval.

A registration is one filing of a committee's particulars as they were (charter, members
with category, gender, inside or outside the unit and term, the office's contact); a
change is filed again as the next number, so every version stays. The authority accepts or
returns each filing with its reasons."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
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

from app.auth.models import Agency, User
from app.committees.models import Panel
from app.core.models import str_enum, utcnow
from app.ethics.models import Application, Unit
from app.extensions import db


class RegistrationState(enum.StrEnum):
    submitted = "submitted"  # waits for the authority
    accepted = "accepted"
    returned = "returned"  # the office files again


class ReportKind(enum.StrEnum):
    work = "work"  # the committee's annual work report
    listed = "listed"  # the report on listed activities


class Registration(db.Model):
    """One filing of a committee with its authority (number 1 the first, later ones a
    change). `members` and `checks` are the particulars and the composition rules' answer
    when filed."""

    __tablename__ = "ethics_registrations"
    __table_args__ = (
        UniqueConstraint("panel_id", "number"),
        Index("ix_ethics_registrations_agency", "agency_id", "state"),
        CheckConstraint(
            "state = 'submitted' OR (answered_at IS NOT NULL AND answered_by_id IS NOT NULL)",
            name="registration_answered",
        ),
        CheckConstraint(
            "state <> 'returned' OR answer_reason IS NOT NULL", name="registration_return_reason"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("committee_panels.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("ethics_units.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[RegistrationState] = mapped_column(str_enum(RegistrationState, 16))
    charter: Mapped[str] = mapped_column(Text)
    members: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    checks: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    contact_name: Mapped[str] = mapped_column(String(100))
    contact_phone: Mapped[str] = mapped_column(String(40))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    change_note: Mapped[str | None] = mapped_column(Text)
    due_on: Mapped[dt.date] = mapped_column(Date)  # the day it had to be filed by
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    answer_reason: Mapped[str | None] = mapped_column(Text)

    panel: Mapped[Panel] = relationship(lazy="joined")
    unit: Mapped[Unit] = relationship(lazy="joined")
    agency: Mapped[Agency] = relationship()
    filed_by: Mapped[User] = relationship(foreign_keys=[filed_by_id])


class ListedRegistration(db.Model):
    """An approved listed activity registered with the authority (after approval)."""

    __tablename__ = "ethics_listed_registrations"
    __table_args__ = (Index("ix_ethics_listed_registrations_panel", "panel_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("ethics_applications.id"), unique=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("committee_panels.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    approved_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    registered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    registered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    application: Mapped[Application] = relationship(lazy="joined")


class AnnualReport(db.Model):
    """A committee's annual report of one kind for one year, filed once. `computed` are the
    figures the platform counted, `figures` those filed; every figure changed carries its
    reason in `corrections`."""

    __tablename__ = "ethics_annual_reports"
    __table_args__ = (
        UniqueConstraint("panel_id", "year", "kind"),
        Index("ix_ethics_annual_reports_agency", "agency_id", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("committee_panels.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("ethics_units.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[ReportKind] = mapped_column(str_enum(ReportKind, 16))
    computed: Mapped[dict[str, Any]] = mapped_column(JSON)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    corrections: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    summary: Mapped[str] = mapped_column(Text)
    due_on: Mapped[dt.date] = mapped_column(Date)
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    panel: Mapped[Panel] = relationship(lazy="joined")
    unit: Mapped[Unit] = relationship(lazy="joined")
