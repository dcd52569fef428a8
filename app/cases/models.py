"""Cases and what hangs off them: parties, allegations, team, history, findings, sanctions."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
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
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Agency, User
from app.core.calendar import procedural_now
from app.core.crypto import EncryptedText
from app.core.models import BigId, str_enum, utcnow
from app.extensions import db


class CaseState(enum.StrEnum):
    received = "received"
    preliminary_review = "preliminary_review"
    transfer_pending = "transfer_pending"
    not_accepted = "not_accepted"
    transferred = "transferred"  # before transfers needed acceptance (0020_transfers)
    investigating = "investigating"
    suspended = "suspended"
    terminated = "terminated"
    findings = "findings"
    committee_review = "committee_review"
    pre_decision_notice = "pre_decision_notice"
    decided = "decided"
    under_review = "under_review"
    closed = "closed"


TERMINAL_STATES = {
    CaseState.not_accepted,
    CaseState.transferred,
    CaseState.terminated,
    CaseState.closed,
}


class CaseSource(enum.StrEnum):
    letter = "letter"
    phone = "phone"
    online = "online"
    media = "media"
    referral = "referral"
    supervision = "supervision"


class MisconductType(enum.StrEnum):
    plagiarism = "plagiarism"
    fabrication_falsification = "fabrication_falsification"
    paper_trading_ghostwriting = "paper_trading_ghostwriting"
    fraudulent_acquisition = "fraudulent_acquisition"
    ethics_approval_fraud = "ethics_approval_fraud"
    authorship_violation = "authorship_violation"
    publication_norm_violation = "publication_norm_violation"
    other = "other"


class PartyType(enum.StrEnum):
    person = "person"
    institution = "institution"


class PreliminaryRecommendation(enum.StrEnum):
    """What the officer who ran the preliminary review (初核) recommends to the supervisor."""

    open_investigation = "open_investigation"
    not_accept = "not_accept"
    transfer = "transfer"


class TeamRole(enum.StrEnum):
    lead = "lead"
    investigator = "investigator"


class FindingOutcome(enum.StrEnum):
    misconduct = "misconduct"
    no_misconduct = "no_misconduct"
    not_determinable = "not_determinable"


class Severity(enum.StrEnum):
    minor = "minor"
    serious = "serious"
    severe = "severe"


class SanctionType(enum.StrEnum):
    admonition_talk = "admonition_talk"
    notice_of_criticism = "notice_of_criticism"
    suspend_project = "suspend_project"
    terminate_project_recover_funds = "terminate_project_recover_funds"
    ban_state_funded_activity = "ban_state_funded_activity"
    revoke_award_title = "revoke_award_title"
    revoke_degree = "revoke_degree"
    bar_awards_titles_promotion = "bar_awards_titles_promotion"
    bar_reviewer_nominator = "bar_reviewer_nominator"
    serious_misconduct_list = "serious_misconduct_list"
    other = "other"


class ReviewOutcome(enum.StrEnum):
    upheld = "upheld"
    modified = "modified"
    overturned = "overturned"


class DecisionKind(enum.StrEnum):
    decision = "decision"  # 处理决定
    review = "review"  # 复查决定


class CaseSequence(db.Model):
    """The last reference number handed out per agency and year."""

    __tablename__ = "case_sequences"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


# A decision has been issued: the case may be under review or closed, its decision stands.
DECIDED_STATES = (CaseState.decided, CaseState.under_review, CaseState.closed)
DECIDED_STATES_SQL = ",".join(f"'{state.value}'" for state in DECIDED_STATES)


class Case(db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("agency_id", "year", "seq"),
        CheckConstraint(
            f"state NOT IN ({DECIDED_STATES_SQL}) OR decided_on IS NOT NULL",
            name="decided_has_decision",
        ),
        CheckConstraint(
            "state <> 'transferred' OR transfer_agency_id IS NOT NULL",
            name="transferred_has_target",
        ),
        Index("ix_cases_agency_state", "agency_id", "state"),
        # A state filter's pages, newest first, from the index alone (0028_perf_indexes).
        Index("ix_cases_agency_state_received", "agency_id", "state", "received_date", "id"),
        # Carries search_text so a search within an agency is an index-only scan (0005_api).
        Index(
            "ix_cases_agency_received",
            "agency_id",
            "received_date",
            "id",
            postgresql_include=["search_text"],
        ),
        Index("ix_cases_received", "received_date", "id"),
        Index("ix_cases_due", "due_date"),
        # The dashboard's overdue and due-soon counts of an agency, read from the index alone.
        Index("ix_cases_agency_due", "agency_id", "due_date"),
        Index("ix_cases_created_by_state", "created_by_id", "state"),
        # On PostgreSQL migration 0027 adds a pg_trgm GIN index on search_text (the list's
        # search), which needs the extension and so lives in the migration alone; 0030 a GIN
        # index on (agency_id, yrd_search_grams(search_text)) for one- and two-character terms.
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(24), unique=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[CaseSource] = mapped_column(str_enum(CaseSource))
    received_date: Mapped[dt.date] = mapped_column(Date)
    rule_version: Mapped[str] = mapped_column(String(60))
    state: Mapped[CaseState] = mapped_column(str_enum(CaseState), default=CaseState.received)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    # Lower-cased reference, title and respondent names, for one simple substring search.
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The one-time token of the registration form that made the case: a second submit of
    # the same form finds this case instead of registering another.
    registration_token: Mapped[str | None] = mapped_column(String(64), index=True, unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    # Since when the case is in its state: how long a step has been waiting in the queues.
    state_since: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # The deadline that applies in the current state (None when none runs), for dashboards.
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    preliminary_due: Mapped[dt.date | None] = mapped_column(Date)
    investigation_opened_on: Mapped[dt.date | None] = mapped_column(Date)
    investigation_due: Mapped[dt.date | None] = mapped_column(Date)
    extension_months: Mapped[int] = mapped_column(Integer, default=0)
    suspended_on: Mapped[dt.date | None] = mapped_column(Date)
    findings_report: Mapped[str | None] = mapped_column(Text)
    notice_served_on: Mapped[dt.date | None] = mapped_column(Date)
    defence_due: Mapped[dt.date | None] = mapped_column(Date)
    committee_due: Mapped[dt.date | None] = mapped_column(Date)  # the open review's deadline
    # The day the last respondent's statement or waiver came in: each respondent's own is on
    # their notice (`RespondentNotice`); the decision waits for all of them or the window.
    defence_received_on: Mapped[dt.date | None] = mapped_column(Date)
    # The text in force: the decision's, or the review's that modified it. Every text issued
    # stays in `decisions`; this copy serves lists, the API and records.
    decision_text: Mapped[str | None] = mapped_column(Text)
    # The decision's service date, from which the review request window runs.
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    review_request_due: Mapped[dt.date | None] = mapped_column(Date)
    review_requested_on: Mapped[dt.date | None] = mapped_column(Date)
    review_decision_due: Mapped[dt.date | None] = mapped_column(Date)
    review_outcome: Mapped[ReviewOutcome | None] = mapped_column(str_enum(ReviewOutcome))
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    transfer_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))

    agency: Mapped[Agency] = relationship(foreign_keys=[agency_id], lazy="joined")
    transfer_agency: Mapped[Agency | None] = relationship(foreign_keys=[transfer_agency_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    respondents: Mapped[list[Party]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Party.id"
    )
    complainant: Mapped[Complainant | None] = relationship(
        back_populates="case", cascade="all, delete-orphan", uselist=False
    )
    allegations: Mapped[list[Allegation]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Allegation.id"
    )
    members: Mapped[list[CaseMember]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseMember.id"
    )
    history: Mapped[list[HistoryEntry]] = relationship(
        back_populates="case", order_by="HistoryEntry.id", viewonly=True
    )
    findings: Mapped[list[Finding]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Finding.id"
    )
    notices: Mapped[list[RespondentNotice]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="RespondentNotice.party_id"
    )
    sanctions: Mapped[list[Sanction]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Sanction.id"
    )
    decisions: Mapped[list[Decision]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Decision.id"
    )
    transfers: Mapped[list[CaseTransfer]] = relationship(
        back_populates="case", order_by="CaseTransfer.id", viewonly=True
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def lead(self) -> CaseMember | None:
        return next((m for m in self.members if m.team_role == TeamRole.lead), None)

    def member_for(self, user) -> CaseMember | None:
        return next((m for m in self.members if m.user_id == getattr(user, "id", None)), None)

    @property
    def is_terminal(self) -> bool:
        return self.state in TERMINAL_STATES

    @property
    def sanctions_in_force(self) -> list[Sanction]:
        """What the decision in force imposes: no review revoked or replaced them."""
        return [s for s in self.sanctions if s.revoked_on is None]

    @property
    def former_references(self) -> list[str]:
        """The references the case had at agencies that transferred it here; still searchable."""
        return [t.sender_reference for t in self.transfers if t.state == TransferState.accepted]

    def current_due(self) -> dt.date | None:
        """The deadline running in the case's present state, the one lists sort by."""
        return {
            CaseState.preliminary_review: self.preliminary_due,
            CaseState.investigating: self.investigation_due,
            CaseState.committee_review: self.committee_due,
            CaseState.pre_decision_notice: self.defence_due,
            CaseState.decided: None if self.review_outcome else self.review_request_due,
            CaseState.under_review: self.review_decision_due,
        }.get(self.state)

    def at_fault(self, party: Party) -> bool:
        """A respondent is at fault when a finding about them is misconduct; one cleared of
        every allegation is sanctioned by nothing and gets no record."""
        return any(
            f.party_id == party.id and f.outcome == FindingOutcome.misconduct for f in self.findings
        )

    @property
    def respondents_at_fault(self) -> list[Party]:
        return [p for p in self.respondents if self.at_fault(p)]

    def notice_of(self, party: Party) -> RespondentNotice | None:
        return next((n for n in self.notices if n.party_id == party.id), None)

    def refresh_search_text(self) -> None:
        parts = [self.reference, *self.former_references, self.title]
        parts += [p.name for p in self.respondents]
        self.search_text = " ".join(parts).lower()


class Party(db.Model):
    """A respondent: a person or an institution."""

    __tablename__ = "parties"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    party_type: Mapped[PartyType] = mapped_column(str_enum(PartyType))
    name: Mapped[str] = mapped_column(String(200), index=True)
    id_type: Mapped[str | None] = mapped_column(String(32))
    id_number: Mapped[str | None] = mapped_column(EncryptedText(400))
    id_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    institution: Mapped[str | None] = mapped_column(String(200))
    position: Mapped[str | None] = mapped_column(String(120))

    case: Mapped[Case] = relationship(back_populates="respondents")


class Complainant(db.Model):
    """The person who reported; identity encrypted at rest and shown need-to-know only."""

    __tablename__ = "complainants"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    name: Mapped[str | None] = mapped_column(EncryptedText(600))
    contact: Mapped[str | None] = mapped_column(EncryptedText(800))
    id_type: Mapped[str | None] = mapped_column(String(32))
    id_number: Mapped[str | None] = mapped_column(EncryptedText(400))

    case: Mapped[Case] = relationship(back_populates="complainant")


class Allegation(db.Model):
    __tablename__ = "allegations"
    __table_args__ = (Index("ix_allegations_type_case", "misconduct_type", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    misconduct_type: Mapped[MisconductType] = mapped_column(str_enum(MisconductType))
    description: Mapped[str] = mapped_column(Text)
    work_reference: Mapped[str | None] = mapped_column(String(300))

    case: Mapped[Case] = relationship(back_populates="allegations")


# A queue's longest-waiting cases, walked in that order within the agency (0028_perf_indexes).
Index("ix_cases_agency_since", Case.agency_id, text("coalesce(state_since, updated_at)"), Case.id)


class CaseMember(db.Model):
    __tablename__ = "case_members"
    __table_args__ = (
        UniqueConstraint("case_id", "user_id"),
        # A user's team cases (by role) from the index alone: the work queue's team checks.
        Index("ix_case_members_user_role", "user_id", "team_role", "case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    team_role: Mapped[TeamRole] = mapped_column(str_enum(TeamRole))
    complainant_access: Mapped[bool] = mapped_column(Boolean, default=False)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    case: Mapped[Case] = relationship(back_populates="members")
    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")


class PreliminaryReport(db.Model):
    """The preliminary review report (初核报告): the facts checked and a recommendation, which
    the supervisor reads when accepting, not accepting or transferring the case. Each save is
    a new row (the newest is the report), so an earlier text is never overwritten."""

    __tablename__ = "preliminary_reports"
    __table_args__ = (Index("ix_preliminary_reports_case", "case_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    facts_checked: Mapped[str] = mapped_column(Text)
    recommendation: Mapped[PreliminaryRecommendation] = mapped_column(
        str_enum(PreliminaryRecommendation)
    )
    reasons: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    author: Mapped[User] = relationship(lazy="joined")


class HistoryEntry(db.Model):
    """The procedural timeline: every state change, and deadline and team changes."""

    __tablename__ = "case_history"
    __table_args__ = (Index("ix_case_history_case", "case_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    action: Mapped[str] = mapped_column(String(48))
    from_state: Mapped[CaseState | None] = mapped_column(str_enum(CaseState))
    to_state: Mapped[CaseState | None] = mapped_column(str_enum(CaseState))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=procedural_now)
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    case: Mapped[Case] = relationship(back_populates="history")
    actor: Mapped[User | None] = relationship(lazy="joined")


class Finding(db.Model):
    """What the investigation found on one allegation about one respondent: in a case with
    several respondents each is found at fault, or not, on their own."""

    __tablename__ = "findings"
    __table_args__ = (
        UniqueConstraint("allegation_id", "party_id"),
        CheckConstraint(
            "outcome <> 'misconduct' OR severity IS NOT NULL", name="misconduct_has_severity"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    allegation_id: Mapped[int] = mapped_column(ForeignKey("allegations.id"))
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    outcome: Mapped[FindingOutcome] = mapped_column(str_enum(FindingOutcome))
    severity: Mapped[Severity | None] = mapped_column(str_enum(Severity))
    aggravating: Mapped[str | None] = mapped_column(Text)
    mitigating: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="findings")
    allegation: Mapped[Allegation] = relationship()
    party: Mapped[Party] = relationship()


class RespondentNotice(db.Model):
    """The pre-decision notice (告知) served on one respondent, and their statement or waiver
    (陈述申辩): every respondent is told of the intended decision, cleared or not."""

    __tablename__ = "respondent_notices"
    __table_args__ = (
        CheckConstraint(
            "defence_received_on IS NULL OR defence_statement IS NOT NULL",
            name="defence_has_statement",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), unique=True)
    served_on: Mapped[dt.date] = mapped_column(Date)
    defence_due: Mapped[dt.date] = mapped_column(Date)
    defence_received_on: Mapped[dt.date | None] = mapped_column(Date)
    defence_statement: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="notices")
    party: Mapped[Party] = relationship()


class Decision(db.Model):
    """A 处理决定 or a 复查 decision on it, dated and never changed afterwards: a review adds
    its own row (what it upheld, modified or overturned) beside the decision it reviewed."""

    __tablename__ = "case_decisions"
    __table_args__ = (
        Index("ix_case_decisions_case", "case_id", "id"),
        CheckConstraint(
            "(kind = 'decision' AND review_outcome IS NULL) "
            "OR (kind = 'review' AND review_outcome IS NOT NULL)",
            name="review_has_outcome",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[DecisionKind] = mapped_column(str_enum(DecisionKind, 16))
    review_outcome: Mapped[ReviewOutcome | None] = mapped_column(str_enum(ReviewOutcome))
    # A review that upholds or overturns has no text of its own; a decision recorded before
    # decisions had rows may have lost its text to a modifying review (0012_domain).
    text: Mapped[str | None] = mapped_column(Text)
    decided_on: Mapped[dt.date] = mapped_column(Date)
    requested_on: Mapped[dt.date | None] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    case: Mapped[Case] = relationship(back_populates="decisions")
    decided_by: Mapped[User | None] = relationship()
    sanctions: Mapped[list[Sanction]] = relationship(
        back_populates="decision", foreign_keys="Sanction.decision_id", order_by="Sanction.id"
    )
    revoked: Mapped[list[Sanction]] = relationship(
        back_populates="revoked_by", foreign_keys="Sanction.revoked_by_id", order_by="Sanction.id"
    )


class Sanction(db.Model):
    __tablename__ = "sanctions"
    __table_args__ = (
        CheckConstraint(
            "(lifetime AND end_date IS NULL) OR (NOT lifetime)", name="lifetime_has_no_end"
        ),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="end_after_start"),
        CheckConstraint(
            "revoked_by_id IS NULL OR revoked_on IS NOT NULL", name="revoked_by_has_date"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    sanction_type: Mapped[SanctionType] = mapped_column(str_enum(SanctionType, 40))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    lifetime: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str | None] = mapped_column(Text)
    revoked_on: Mapped[dt.date | None] = mapped_column(Date)
    # The decision that imposed it, and the review that overturned or replaced it.
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("case_decisions.id"), index=True)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("case_decisions.id"))

    case: Mapped[Case] = relationship(back_populates="sanctions")
    party: Mapped[Party] = relationship()
    decision: Mapped[Decision | None] = relationship(
        back_populates="sanctions", foreign_keys=[decision_id]
    )
    revoked_by: Mapped[Decision | None] = relationship(
        back_populates="revoked", foreign_keys=[revoked_by_id]
    )


class TransferState(enum.StrEnum):
    pending = "pending"
    accepted = "accepted"
    refused = "refused"
    withdrawn = "withdrawn"


class CaseTransfer(db.Model):
    """A transfer (移送) offered to another agency, and the sender's record of it.

    The case stays with the sender until the receiving supervisor accepts; the row keeps
    what was sent (reference, title, a snapshot of the record at the moment it left) so the
    sender can still say what it handed over and when after it no longer sees the case.
    A complainant identity that does not travel is kept here, encrypted, for the sender.
    """

    __tablename__ = "case_transfers"
    __table_args__ = (
        Index("ix_case_transfers_to_state", "to_agency_id", "state"),
        Index("ix_case_transfers_from", "from_agency_id", "id"),
        Index("ix_case_transfers_case", "case_id", "id"),
        # At most one open transfer per case: a second offer waits for the first answer.
        Index(
            "uq_case_transfers_open",
            "case_id",
            unique=True,
            sqlite_where=text("state = 'pending'"),
            postgresql_where=text("state = 'pending'"),
        ),
        CheckConstraint("from_agency_id <> to_agency_id", name="transfer_to_another_agency"),
        CheckConstraint(
            "state = 'pending' OR (answered_at IS NOT NULL)", name="transfer_answer_has_time"
        ),
        CheckConstraint(
            "state <> 'refused' OR answer_reason IS NOT NULL", name="refusal_has_reason"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    from_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    to_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    sender_reference: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(300))
    reason: Mapped[str] = mapped_column(Text)
    identity_travels: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[TransferState] = mapped_column(
        str_enum(TransferState, 16), default=TransferState.pending
    )
    sent_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    answer_reason: Mapped[str | None] = mapped_column(Text)
    receiver_reference: Mapped[str | None] = mapped_column(String(24))
    # What left the sender on acceptance: counts, respondents, allegations, timeline.
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The identity the sender kept when it did not travel (encrypted at rest).
    kept_complainant_name: Mapped[str | None] = mapped_column(EncryptedText(600))
    kept_complainant_contact: Mapped[str | None] = mapped_column(EncryptedText(800))
    kept_complainant_id_number: Mapped[str | None] = mapped_column(EncryptedText(400))
    kept_complainant_id_type: Mapped[str | None] = mapped_column(String(32))

    case: Mapped[Case] = relationship(back_populates="transfers")
    from_agency: Mapped[Agency] = relationship(foreign_keys=[from_agency_id], lazy="joined")
    to_agency: Mapped[Agency] = relationship(foreign_keys=[to_agency_id], lazy="joined")
    sent_by: Mapped[User] = relationship(foreign_keys=[sent_by_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])


@event.listens_for(Case.state, "set")
def _state_changed(case: Case, value, oldvalue, _initiator) -> None:
    """Whatever moves a case (a step, a transfer's answer), the queues learn since when."""
    if value != oldvalue:
        case.state_since = procedural_now()
