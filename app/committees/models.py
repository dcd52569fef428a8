"""Panels, their seats, the regional expert pool, and reviews with each member's part.

An expert belongs to the agency that keeps them in the pool; a seat puts an expert (of any
agency) on a panel of one agency; a review is one referral of a case to a panel, and a
review member is one seat's part in that review: declaration, recusal, attendance, vote."""

from __future__ import annotations

import datetime as dt
import enum
from fractions import Fraction
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Agency, User
from app.cases.models import Case
from app.committees.rules import (
    Attendance,
    Category,
    Choice,
    Gender,
    Outcome,
    PanelRules,
    Seat,
    SeatRole,
)
from app.core.models import str_enum, utcnow
from app.extensions import db


def value_enum(enum_cls, length: int = 16):
    """Stored by value, for enums whose member names are not their values (`return_`)."""
    return Enum(
        enum_cls,
        native_enum=False,
        length=length,
        validate_strings=True,
        values_callable=lambda cls: [member.value for member in cls],
    )


class PanelKind(enum.StrEnum):
    ethics = "ethics"  # 科技伦理委员会
    academic = "academic"  # 学术委员会


class SeatStatus(enum.StrEnum):
    invited = "invited"  # an expert of another agency has not answered yet
    active = "active"
    declined = "declined"
    ended = "ended"


class ConflictKind(enum.StrEnum):
    relative = "relative"
    coauthor = "coauthor"
    supervisor_student = "supervisor_student"
    same_institution = "same_institution"
    other = "other"


class ReviewStatus(enum.StrEnum):
    open = "open"
    closed = "closed"


class Expert(db.Model):
    """A person in the regional expert pool (专家库). Contact details are the keeping
    agency's only; name, institution, fields and categories are visible region-wide."""

    __tablename__ = "committee_experts"
    __table_args__ = (Index("ix_committee_experts_agency", "agency_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    name: Mapped[str] = mapped_column(String(100))
    institution: Mapped[str] = mapped_column(String(200))
    fields: Mapped[str] = mapped_column(String(300), default="")
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    gender: Mapped[Gender] = mapped_column(str_enum(Gender, 8))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    agency: Mapped[Agency] = relationship(lazy="joined")
    user: Mapped[User | None] = relationship()

    @property
    def category_set(self) -> set[Category]:
        return {Category(c) for c in self.categories}


class Panel(db.Model):
    """A committee of one agency, with its composition and voting rules as settings."""

    __tablename__ = "committee_panels"
    __table_args__ = (
        CheckConstraint("quorum >= 1 AND quorum <= min_members", name="panel_quorum_sense"),
        CheckConstraint(
            "threshold_num >= 1 AND threshold_num <= threshold_den", name="panel_threshold_sense"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    kind: Mapped[PanelKind] = mapped_column(str_enum(PanelKind, 16))
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    min_members: Mapped[int] = mapped_column(Integer, default=7)
    quorum: Mapped[int] = mapped_column(Integer, default=5)
    threshold_num: Mapped[int] = mapped_column(Integer, default=2)
    threshold_den: Mapped[int] = mapped_column(Integer, default=3)
    inclusive: Mapped[bool] = mapped_column(Boolean, default=True)
    abstentions_count_as_present: Mapped[bool] = mapped_column(Boolean, default=True)
    quorum_covers_categories: Mapped[bool] = mapped_column(Boolean, default=True)
    both_genders: Mapped[bool] = mapped_column(Boolean, default=True)
    max_term_years: Mapped[int] = mapped_column(Integer, default=5)

    agency: Mapped[Agency] = relationship(lazy="joined")
    seats: Mapped[list[PanelSeat]] = relationship(
        back_populates="panel", order_by="PanelSeat.id", lazy="selectin"
    )

    @property
    def rules(self) -> PanelRules:
        return PanelRules(
            min_members=self.min_members,
            quorum=self.quorum,
            threshold=Fraction(self.threshold_num, self.threshold_den),
            inclusive=self.inclusive,
            abstentions_count_as_present=self.abstentions_count_as_present,
            quorum_covers_categories=self.quorum_covers_categories,
            both_genders=self.both_genders,
            max_term_years=self.max_term_years,
        )

    def rule_seats(self) -> list[Seat]:
        """The active seats as the composition rules see them."""
        return [seat.as_rule_seat() for seat in self.seats if seat.status is SeatStatus.active]


class PanelSeat(db.Model):
    """An expert's seat on a panel; a seat of another agency's expert waits for their yes."""

    __tablename__ = "committee_seats"
    __table_args__ = (
        UniqueConstraint("panel_id", "expert_id"),
        CheckConstraint("term_end >= term_start", name="seat_term_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("committee_panels.id"))
    expert_id: Mapped[int] = mapped_column(ForeignKey("committee_experts.id"), index=True)
    role: Mapped[SeatRole] = mapped_column(str_enum(SeatRole, 16))
    category: Mapped[Category] = mapped_column(str_enum(Category, 16))
    term_start: Mapped[dt.date] = mapped_column(Date)
    term_end: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[SeatStatus] = mapped_column(str_enum(SeatStatus, 16))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    invited_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    panel: Mapped[Panel] = relationship(back_populates="seats")
    expert: Mapped[Expert] = relationship(lazy="joined")

    def as_rule_seat(self) -> Seat:
        return Seat(self.category, self.expert.gender, self.role, self.term_start, self.term_end)


class Review(db.Model):
    """One referral of a case to a panel (审议): open until the chair closes it with a count
    that decides by the panel's rule."""

    __tablename__ = "committee_reviews"
    __table_args__ = (
        Index("ix_committee_reviews_case", "case_id", "id"),
        Index("ix_committee_reviews_panel", "panel_id", "status"),
        CheckConstraint(
            "status <> 'closed' OR (outcome IS NOT NULL AND closed_at IS NOT NULL)",
            name="review_closed_has_outcome",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    panel_id: Mapped[int] = mapped_column(ForeignKey("committee_panels.id"))
    questions: Mapped[str] = mapped_column(Text)
    meeting_date: Mapped[dt.date | None] = mapped_column(Date)
    deadline: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[ReviewStatus] = mapped_column(str_enum(ReviewStatus, 16))
    outcome: Mapped[Outcome | None] = mapped_column(value_enum(Outcome))
    reasons: Mapped[str | None] = mapped_column(Text)  # the panel's reasons, for a return
    minutes: Mapped[str | None] = mapped_column(Text)
    tally: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the count at closing
    referred_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    referred_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)

    case: Mapped[Case] = relationship()
    panel: Mapped[Panel] = relationship(lazy="joined")
    members: Mapped[list[ReviewMember]] = relationship(
        back_populates="review", order_by="ReviewMember.id", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": version}


class ReviewMember(db.Model):
    """One seat's part in a review. The seat's role and category are copied at referral, so
    a later change of the panel never rewrites how a closed review was counted. Consultants
    have a part too (declaration, attendance, an advisory opinion) but never a vote.

    The part is in a case's review (`review_id`) or in the review of another subject a
    feature registered (`subject`, `subject_id`; `app.committees.subjects`), such as an
    ethics application: the declaration, recusal, attendance and vote are the same."""

    __tablename__ = "committee_review_members"
    __table_args__ = (
        UniqueConstraint("review_id", "seat_id"),
        UniqueConstraint("subject", "subject_id", "seat_id"),
        Index("ix_committee_review_members_seat", "seat_id"),
        CheckConstraint("NOT recused OR recusal_reason IS NOT NULL", name="recusal_has_reason"),
        CheckConstraint(
            "(review_id IS NOT NULL AND subject IS NULL AND subject_id IS NULL)"
            " OR (review_id IS NULL AND subject IS NOT NULL AND subject_id IS NOT NULL)",
            name="review_member_one_subject",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int | None] = mapped_column(ForeignKey("committee_reviews.id"))
    subject: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    # Named to decide alone in a written (simplified) procedure rather than at a meeting.
    named: Mapped[bool] = mapped_column(Boolean, default=False)
    seat_id: Mapped[int] = mapped_column(ForeignKey("committee_seats.id"))
    role: Mapped[SeatRole] = mapped_column(str_enum(SeatRole, 16))
    category: Mapped[Category] = mapped_column(str_enum(Category, 16))
    # The automatic screen's finding (same institution as a respondent), shown to the chair.
    screened_conflict: Mapped[str | None] = mapped_column(String(300))
    declared_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    conflict: Mapped[ConflictKind | None] = mapped_column(str_enum(ConflictKind, 24))
    conflict_note: Mapped[str | None] = mapped_column(Text)
    recused: Mapped[bool] = mapped_column(Boolean, default=False)
    recusal_reason: Mapped[str | None] = mapped_column(Text)
    recused_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recused_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # The chair lifted a recusal (a withdrawn conflict is never self-service): the last lift
    # stays on the member's record beside the declaration it overrode.
    lifted_reason: Mapped[str | None] = mapped_column(Text)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lifted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # A screening flag is never cleared: dismissing it records who (never the flagged member)
    # and why beside it; confirming it is the recusal above.
    screen_dismissed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    screen_dismissed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    screen_dismissal_reason: Mapped[str | None] = mapped_column(Text)
    attendance: Mapped[Attendance | None] = mapped_column(str_enum(Attendance, 16))
    choice: Mapped[Choice | None] = mapped_column(value_enum(Choice))
    opinion: Mapped[str | None] = mapped_column(Text)
    voted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    vote_changes: Mapped[int] = mapped_column(Integer, default=0)

    review: Mapped[Review | None] = relationship(back_populates="members")
    seat: Mapped[PanelSeat] = relationship(lazy="joined")
    recused_by: Mapped[User | None] = relationship(foreign_keys=[recused_by_id], lazy="joined")
    screen_dismissed_by: Mapped[User | None] = relationship(
        foreign_keys=[screen_dismissed_by_id], lazy="joined"
    )
