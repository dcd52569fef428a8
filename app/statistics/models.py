"""Generated annual reports: each PDF stored once, with its SHA-256, like dossiers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Agency, User
from app.cases.models import Case, CaseSource, Party, Sanction
from app.core.models import str_enum, utcnow
from app.extensions import db
from app.records.models import IntegrityRecord


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


class CaseSummary(db.Model):
    """What the figures count about one case, read from its history: when it concluded and
    how, when it left each stage, in how many days and whether within the deadline.

    Written in the transaction of every step that changes a case's state, its agency or its
    received date (`app.statistics.summaries.refresh_summary`), under the case row's lock,
    so it is never behind its history; the figures read it instead of walking the history.
    """

    __tablename__ = "case_summaries"
    __table_args__ = (
        # Each figure reads only its own index (PostgreSQL index-only scans): the date it
        # counts by, the agency, and every column the figure aggregates.
        Index("ix_case_summaries_received", "received_date", "agency_id", "source", "case_id"),
        Index("ix_case_summaries_concluded", "concluded_on", "agency_id"),
        Index(
            "ix_case_summaries_outcome", "outcome_on", "agency_id", "outcome_state", "worst_finding"
        ),
        Index(
            "ix_case_summaries_preliminary",
            "preliminary_left_on",
            "agency_id",
            "preliminary_days",
            "preliminary_on_time",
        ),
        Index(
            "ix_case_summaries_investigation",
            "investigation_left_on",
            "agency_id",
            "investigation_days",
            "investigation_on_time",
        ),
    )

    # Derived data: it goes with its case (test clean-ups, a deleted import).
    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    received_date: Mapped[dt.date] = mapped_column(Date)
    source: Mapped[CaseSource] = mapped_column(str_enum(CaseSource))
    # Dates in China Standard Time of the first history entry of each kind.
    concluded_on: Mapped[dt.date | None] = mapped_column(Date)  # terminal state or decision
    outcome_on: Mapped[dt.date | None] = mapped_column(Date)  # how it ended, below
    outcome_state: Mapped[str | None] = mapped_column(String(32))
    worst_finding: Mapped[int] = mapped_column(Integer, default=0)  # 0 none, 1-3 severity
    preliminary_left_on: Mapped[dt.date | None] = mapped_column(Date)
    preliminary_days: Mapped[int | None] = mapped_column(Integer)
    preliminary_on_time: Mapped[bool | None] = mapped_column(Boolean)
    investigation_left_on: Mapped[dt.date | None] = mapped_column(Date)
    investigation_days: Mapped[int | None] = mapped_column(Integer)
    investigation_on_time: Mapped[bool | None] = mapped_column(Boolean)
    # A case still in a stage with a deadline (preliminary review, investigation): its state
    # and current due date, for "overdue now" (the running counts' kind "open").
    open_state: Mapped[str | None] = mapped_column(String(32))
    due_date: Mapped[dt.date | None] = mapped_column(Date)


class CaseFacet(db.Model):
    """A case's misconduct types and named institutions (each once), and each pair of the
    two, with its agency and received date: the by-type and by-institution figures, and an
    institution profile's by-type figure, count these rows from one index each; and each
    sanction of the case (start, type and id), which the running counts count by its start.
    Rewritten with the case's summary."""

    __tablename__ = "case_facets"
    __table_args__ = (
        Index("ix_case_facets_received", "kind", "received_date", "agency_id", "value"),
        # case_id too: "the cases concerning an institution" is read from the index alone.
        Index("ix_case_facets_value", "kind", "value", "received_date", "agency_id", "case_id"),
    )

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    # type / institution / inst_type (an institution and a type alleged, see summaries.py) /
    # sanction ("start|type|id")
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(240), primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    received_date: Mapped[dt.date] = mapped_column(Date)


class CaseCount(db.Model):
    """How many cases the summaries count on each day, for each agency and key: the running
    totals the agency and region pages add up instead of scanning a million summaries.

    Kinds and keys (`app.statistics.counts`): received (by source), concluded, outcome
    ("state|worst finding"), preliminary and investigation ("days|on time" of the stage left
    that day), type, institution and inst_type (a facet received that day), open (a case still in
    preliminary review or investigation, by its due date and state), sanction (by its start
    and type). Kept in step with the
    summaries by `refresh_summary`, which adds the difference its recomputation makes in the
    same transaction (an upsert that adds to `n`, never read and written back), so two cases
    counted under one row at once both count; a row that falls to 0 stays."""

    __tablename__ = "case_counts"
    # An institution's profile: its keys over every day.
    __table_args__ = (Index("ix_case_counts_key", "kind", "key", "day", "agency_id"),)

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(240), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


# Indexes on other features' tables that the figures' queries lean on: the cases
# concerning an institution, overdue in a state, or extended; sanctions started and records
# taking effect in a period (each with the columns its figure counts by); a case's agency
# from the index alone, for sanctions counted by their case's agency.
Index("ix_parties_institution", Party.institution)
Index("ix_cases_id_agency", Case.id, Case.agency_id)
Index("ix_cases_state_due", Case.state, Case.due_date, Case.agency_id)
Index("ix_cases_opened_extended", Case.investigation_opened_on, Case.extension_months)
Index("ix_sanctions_started", Sanction.start_date, Sanction.case_id, Sanction.sanction_type)
Index(
    "ix_integrity_records_effective",
    IntegrityRecord.is_local,
    IntegrityRecord.effective_date,
    IntegrityRecord.status,
    IntegrityRecord.agency_id,
    IntegrityRecord.deciding_agency,
)
# An institution profile's records: the local records of the cases concerning it, by case
# and read from the index alone; without it the profile walked every record by case id,
# the received ones (no case) included.
Index(
    "ix_integrity_records_local_case",
    IntegrityRecord.case_id,
    IntegrityRecord.status,
    IntegrityRecord.agency_id,
    IntegrityRecord.term_end,
    postgresql_where=IntegrityRecord.is_local.is_(True),
    sqlite_where=IntegrityRecord.is_local.is_(True),
)
