"""Research units and their people, committee arrangements (own panel or written
entrustment), the listed activities (清单), and ethics applications with their versions,
attachments, custody and acceptance notices.

A unit is an organisation under one authority (an agency); its users belong to that agency
in `users` and hold no agency role: their membership here is what they may do, so they
never reach cases or records. A committee is a panel of kind ethics (`app.committees`); the
panel's office is the office of the unit whose committee it is."""

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
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Agency, User
from app.committees.models import Expert, Panel, SeatStatus
from app.committees.rules import Category
from app.core.models import BigId, str_enum, utcnow
from app.extensions import db


class UnitKind(enum.StrEnum):
    university = "university"
    institute = "institute"
    hospital = "hospital"
    firm = "firm"
    centre = "centre"  # the province's regional review centre (区域性科技伦理审查中心)


class UnitRole(enum.StrEnum):
    applicant = "applicant"  # a researcher of the unit
    office = "office"  # the committee office (伦理委员会办公室/秘书)


class Procedure(enum.StrEnum):
    general = "general"  # a meeting of the committee (art. 11)
    simplified = "simplified"
    emergency = "emergency"


class AppState(enum.StrEnum):
    draft = "draft"
    submitted = "submitted"  # waiting for the office's acceptance
    returned = "returned"  # one notice listed every missing item; the applicant completes it
    accepted = "accepted"  # under review by the named procedure
    preliminary = "preliminary"  # a listed activity approved first: waits for re-review
    decided = "decided"
    withdrawn = "withdrawn"


class NoticeKind(enum.StrEnum):
    accepted = "accepted"
    returned = "returned"


class CustodyAction(enum.StrEnum):
    added = "added"
    downloaded = "downloaded"
    removed = "removed"


class Unit(db.Model):
    """A research unit (university, institute, hospital, firm) or a regional review centre
    under one authority. `panel_id` is the unit's own ethics committee, if it has one."""

    __tablename__ = "ethics_units"
    __table_args__ = (UniqueConstraint("agency_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[UnitKind] = mapped_column(str_enum(UnitKind, 16))
    panel_id: Mapped[int | None] = mapped_column(ForeignKey("committee_panels.id"), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    agency: Mapped[Agency] = relationship(lazy="joined")
    panel: Mapped[Panel | None] = relationship(lazy="joined")


class UnitUser(db.Model):
    """A user's place in a unit: one unit a user, with the unit roles they hold."""

    __tablename__ = "ethics_unit_users"
    __table_args__ = (Index("ix_ethics_unit_users_unit", "unit_id", "role"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[UnitRole] = mapped_column(str_enum(UnitRole, 16), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("ethics_units.id"))

    user: Mapped[User] = relationship(lazy="joined")
    unit: Mapped[Unit] = relationship(lazy="joined")


class Entrustment(db.Model):
    """A unit's written entrustment (委托, art. 13) of another committee, or of the regional
    review centre's, with its scope and dates."""

    __tablename__ = "ethics_entrustments"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="entrustment_dates_order"),
        CheckConstraint(
            "ended_at IS NULL OR end_reason IS NOT NULL", name="entrustment_end_has_reason"
        ),
        Index("ix_ethics_entrustments_unit", "unit_id", "starts_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("ethics_units.id"))
    panel_id: Mapped[int] = mapped_column(ForeignKey("committee_panels.id"), index=True)
    scope: Mapped[str] = mapped_column(Text)
    # The part of the scope the platform checks: activities on the expert re-review list
    # (清单) left out of the entrustment are refused to the entrusted committee.
    excludes_listed: Mapped[bool] = mapped_column(Boolean, default=False)
    document_ref: Mapped[str] = mapped_column(String(120))  # the agreement's number
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(Text)

    unit: Mapped[Unit] = relationship(lazy="joined")
    panel: Mapped[Panel] = relationship(lazy="joined")

    def in_force(self, on: dt.date) -> bool:
        return self.ended_at is None and self.starts_on <= on <= self.ends_on


class ListedActivity(db.Model):
    """An entry of the list of activities needing expert re-review (清单, art. 25), kept by
    an administrator; an application names the entry it falls under."""

    __tablename__ = "ethics_listed_activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    title_zh: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def title(self, locale: str = "zh") -> str:
        return self.title_en if locale == "en" else self.title_zh


class Application(db.Model):
    """An ethics review application (art. 9). `content` is the current text of the items
    (the draft while the applicant edits); each submission freezes it as a version."""

    __tablename__ = "ethics_applications"
    __table_args__ = (
        Index("ix_ethics_applications_unit", "unit_id", "id"),
        Index("ix_ethics_applications_panel", "panel_id", "state"),
        CheckConstraint(
            "state <> 'accepted' OR (procedure IS NOT NULL AND accepted_at IS NOT NULL"
            " AND decision_due IS NOT NULL)",
            name="accepted_has_procedure",
        ),
        CheckConstraint(
            "state <> 'decided' OR (decision IS NOT NULL AND decision_reasons IS NOT NULL"
            " AND decided_at IS NOT NULL)",
            name="decided_has_decision",
        ),
        CheckConstraint(
            "NOT multi_site OR lead_unit IS NOT NULL", name="multi_site_names_lead_unit"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("ethics_units.id"))
    applicant_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    panel_id: Mapped[int | None] = mapped_column(ForeignKey("committee_panels.id"))
    entrustment_id: Mapped[int | None] = mapped_column(ForeignKey("ethics_entrustments.id"))
    title: Mapped[str] = mapped_column(String(300))
    state: Mapped[AppState] = mapped_column(str_enum(AppState, 16))
    procedure: Mapped[Procedure | None] = mapped_column(str_enum(Procedure, 16))
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    multi_site: Mapped[bool] = mapped_column(Boolean, default=False)
    lead_unit: Mapped[str | None] = mapped_column(String(200))
    listed_id: Mapped[int | None] = mapped_column(ForeignKey("ethics_listed_activities.id"))
    versions_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decision_due: Mapped[dt.date | None] = mapped_column(Date)
    emergency_due: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # The review: the decision put to the members, its count and the decision taken.
    proposed_decision: Mapped[str | None] = mapped_column(String(24))
    preliminary_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    meeting_date: Mapped[dt.date | None] = mapped_column(Date)
    minutes: Mapped[str | None] = mapped_column(Text)
    tally: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    decision: Mapped[str | None] = mapped_column(String(24))
    decision_reasons: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    extension_reason: Mapped[str | None] = mapped_column(Text)
    # Follow-up (跟踪审查) of an approved activity.
    activity: Mapped[str | None] = mapped_column(String(16))  # active, suspended, terminated
    followup_months: Mapped[int | None] = mapped_column(Integer)
    followup_due: Mapped[dt.date | None] = mapped_column(Date, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    unit: Mapped[Unit] = relationship(lazy="joined")
    applicant: Mapped[User] = relationship(lazy="joined")
    panel: Mapped[Panel | None] = relationship(lazy="joined")
    listed: Mapped[ListedActivity | None] = relationship(lazy="joined")
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="application", order_by="Attachment.id", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": version}


class ApplicationVersion(db.Model):
    """One submission as it was: the items' text and the attachments then current."""

    __tablename__ = "ethics_application_versions"
    __table_args__ = (UniqueConstraint("application_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("ethics_applications.id"))
    number: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Attachment(db.Model):
    """A file for one item of an application, stored content-addressed in the evidence
    store's blobs; removing it from the draft keeps the row (versions cite it)."""

    __tablename__ = "ethics_attachments"
    __table_args__ = (Index("ix_ethics_attachments_app", "application_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("ethics_applications.id"))
    item: Mapped[str] = mapped_column(String(40))
    original_name: Mapped[str] = mapped_column(String(255))
    blob_sha256: Mapped[str] = mapped_column(ForeignKey("evidence_blobs.sha256"))
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    removed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    application: Mapped[Application] = relationship(back_populates="attachments")
    blob = relationship("Blob", lazy="joined")


class AttachmentCustody(db.Model):
    """Who added, downloaded or removed an attachment, and when."""

    __tablename__ = "ethics_attachment_custody"
    __table_args__ = (Index("ix_ethics_attachment_custody", "attachment_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("ethics_attachments.id"))
    action: Mapped[CustodyAction] = mapped_column(str_enum(CustodyAction, 16))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Notice(db.Model):
    """The office's answer to one submission: accepted naming the procedure, or returned
    with one notice listing every missing item (art. 10)."""

    __tablename__ = "ethics_notices"
    __table_args__ = (
        Index("ix_ethics_notices_app", "application_id", "id"),
        CheckConstraint(
            "kind <> 'accepted' OR procedure IS NOT NULL", name="acceptance_names_procedure"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("ethics_applications.id"))
    version_number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[NoticeKind] = mapped_column(str_enum(NoticeKind, 16))
    procedure: Mapped[Procedure | None] = mapped_column(str_enum(Procedure, 16))
    missing: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(Text)
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    by: Mapped[User] = relationship(lazy="joined")


class EthicsPolicy(db.Model):
    """An authority's counts and clocks for ethics review; each value's source and whether
    it was verified from the text live in `app.ethics.policy`."""

    __tablename__ = "ethics_policies"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class DecisionLetter(db.Model):
    """The numbered decision letter (伦理审查批件/决定书) of a decided application: a PDF
    rendered in the background, stored with its SHA-256 so a copy handed back verifies."""

    __tablename__ = "ethics_letters"
    __table_args__ = (UniqueConstraint("panel_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # One letter per decision: an upheld appeal's new round ends in a letter of its own.
    application_id: Mapped[int] = mapped_column(ForeignKey("ethics_applications.id"), index=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("committee_panels.id"))
    number: Mapped[str] = mapped_column(String(60))
    # Its verification code, the approval's region-wide number (`app.ethics.approval_numbers`),
    # set as soon as the letter has its id.
    code: Mapped[str | None] = mapped_column(String(64), unique=True)
    sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    path: Mapped[str | None] = mapped_column(String(300))
    pages: Mapped[int | None] = mapped_column(Integer)
    job_id: Mapped[str | None] = mapped_column(String(36))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    generated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class RereviewState(enum.StrEnum):
    filed = "filed"  # the unit filed it with the authority
    panel = "panel"  # the authority formed the panel; experts declare and vote
    agreed = "agreed"
    disagreed = "disagreed"


class Rereview(db.Model):
    """Expert re-review (专家复核, art. 25–30) of a listed activity after the committee's
    preliminary approval, organised by the unit's authority."""

    __tablename__ = "ethics_rereviews"
    __table_args__ = (Index("ix_ethics_rereviews_agency", "agency_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("ethics_applications.id"), unique=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    state: Mapped[RereviewState] = mapped_column(str_enum(RereviewState, 16))
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    formed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reasons: Mapped[str | None] = mapped_column(Text)
    tally: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    application: Mapped[Application] = relationship()
    experts: Mapped[list[RereviewExpert]] = relationship(
        back_populates="rereview", order_by="RereviewExpert.id", lazy="selectin"
    )


class RereviewExpert(db.Model):
    """An expert of the regional pool on a re-review panel: another province's expert
    accepts the seat first, as for committees; declares before the material; votes."""

    __tablename__ = "ethics_rereview_experts"
    __table_args__ = (
        UniqueConstraint("rereview_id", "expert_id"),
        Index("ix_ethics_rereview_experts_expert", "expert_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rereview_id: Mapped[int] = mapped_column(ForeignKey("ethics_rereviews.id"))
    expert_id: Mapped[int] = mapped_column(ForeignKey("committee_experts.id"))
    category: Mapped[Category] = mapped_column(str_enum(Category, 16))
    status: Mapped[SeatStatus] = mapped_column(str_enum(SeatStatus, 16))
    declared_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    recused: Mapped[bool] = mapped_column(Boolean, default=False)
    conflict_note: Mapped[str | None] = mapped_column(Text)
    choice: Mapped[str | None] = mapped_column(String(16))  # agree / disagree
    opinion: Mapped[str | None] = mapped_column(Text)
    voted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    rereview: Mapped[Rereview] = relationship(back_populates="experts")
    expert: Mapped[Expert] = relationship(lazy="joined")


class AppealState(enum.StrEnum):
    lodged = "lodged"
    upheld = "upheld"  # the appeal succeeds: the committee reviews again
    dismissed = "dismissed"


class Appeal(db.Model):
    """The applicant's appeal (申诉) against a decision, and how the committee handled it."""

    __tablename__ = "ethics_appeals"
    __table_args__ = (
        Index("ix_ethics_appeals_app", "application_id", "id"),
        CheckConstraint(
            "state = 'lodged' OR (answer IS NOT NULL AND answered_at IS NOT NULL)",
            name="appeal_answered_has_answer",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("ethics_applications.id"))
    grounds: Mapped[str] = mapped_column(Text)
    state: Mapped[AppealState] = mapped_column(str_enum(AppealState, 16))
    lodged_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    lodged_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    lodged_by: Mapped[User] = relationship(foreign_keys=[lodged_by_id])


class FollowUpKind(enum.StrEnum):
    report = "report"  # a follow-up report
    amendment = "amendment"  # 修正案
    event = "event"  # a serious adverse event or a deviation
    final = "final"  # the final report


class FollowUp(db.Model):
    """What the unit files after approval, and the committee's suspensions and ends."""

    __tablename__ = "ethics_followups"
    __table_args__ = (Index("ix_ethics_followups_app", "application_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("ethics_applications.id"))
    kind: Mapped[str] = mapped_column(String(16))  # a FollowUpKind, or suspend / terminate
    text: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReviewRound(db.Model):
    """A closed round of an application's review, kept when an upheld appeal reopens the
    review: its decision, reasons, count, minutes, letter and each member's part as they
    were (the members' rows are seated anew for the next round)."""

    __tablename__ = "ethics_review_rounds"
    __table_args__ = (UniqueConstraint("application_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("ethics_applications.id"))
    number: Mapped[int] = mapped_column(Integer)
    procedure: Mapped[str | None] = mapped_column(String(16))
    accepted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decision: Mapped[str | None] = mapped_column(String(24))
    decision_reasons: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    tally: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    minutes: Mapped[str | None] = mapped_column(Text)
    letter_number: Mapped[str | None] = mapped_column(String(60))
    members: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("ethics_appeals.id"))
    reopened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reopened_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
