"""Joint investigations: the invited agencies and their answers, named officers, tasks."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Date, DateTime, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Agency, User
from app.cases.models import Case
from app.core.models import str_enum, utcnow
from app.extensions import db


class ParticipationStatus(enum.StrEnum):
    pending = "pending"  # invited, no answer yet
    accepted = "accepted"  # taking part: sees the shared part of the case
    declined = "declined"
    expired = "expired"  # the response deadline passed without an answer
    withdrawn = "withdrawn"  # the participant left
    removed = "removed"  # the lead removed the participant
    ended = "ended"  # the lead ended the joint investigation


OPEN_PARTICIPATION = (ParticipationStatus.pending, ParticipationStatus.accepted)


class JointInvestigation(db.Model):
    """A case led by its owning agency with other agencies taking part; at most one per case."""

    __tablename__ = "joint_investigations"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    started_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    end_reason: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship()
    participations: Mapped[list[Participation]] = relationship(
        back_populates="joint", order_by="Participation.id"
    )

    @property
    def active(self) -> bool:
        return self.ended_at is None


class Participation(db.Model):
    """One invitation of an agency and what became of it."""

    __tablename__ = "joint_participations"
    __table_args__ = (
        Index("ix_joint_participations_agency", "agency_id", "status"),
        # An agency has at most one open invitation or participation per case.
        Index(
            "uq_joint_participations_open",
            "joint_id",
            "agency_id",
            unique=True,
            sqlite_where=text("status IN ('pending','accepted')"),
            postgresql_where=text("status IN ('pending','accepted')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    joint_id: Mapped[int] = mapped_column(ForeignKey("joint_investigations.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    status: Mapped[ParticipationStatus] = mapped_column(
        str_enum(ParticipationStatus, 16), default=ParticipationStatus.pending
    )
    message: Mapped[str] = mapped_column(Text)
    respond_by: Mapped[dt.date] = mapped_column(Date)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    invited_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    answer_reason: Mapped[str | None] = mapped_column(Text)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    end_reason: Mapped[str | None] = mapped_column(Text)

    joint: Mapped[JointInvestigation] = relationship(back_populates="participations")
    case: Mapped[Case] = relationship()
    agency: Mapped[Agency] = relationship(lazy="joined")
    invited_by: Mapped[User] = relationship(foreign_keys=[invited_by_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])
    officers: Mapped[list[JointOfficer]] = relationship(
        back_populates="participation", cascade="all, delete-orphan", order_by="JointOfficer.id"
    )


class JointOfficer(db.Model):
    """An officer the participating agency named to take part."""

    __tablename__ = "joint_officers"
    __table_args__ = (
        UniqueConstraint("participation_id", "user_id"),
        Index("ix_joint_officers_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participation_id: Mapped[int] = mapped_column(ForeignKey("joint_participations.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    participation: Mapped[Participation] = relationship(back_populates="officers")
    user: Mapped[User] = relationship(lazy="joined")


class TaskKind(enum.StrEnum):
    interview = "interview"
    obtain_records = "obtain_records"
    expert_opinion = "expert_opinion"
    site_visit = "site_visit"
    other = "other"


class TaskStatus(enum.StrEnum):
    open = "open"  # assigned, not yet accepted
    accepted = "accepted"  # the assignee works on it
    completed = "completed"  # the assignee reported it done; the lead reviews
    closed = "closed"  # the lead accepted the result
    ended = "ended"  # the case ended (closed, terminated, ...) before the task did


OPEN_TASK_STATES = (TaskStatus.open, TaskStatus.accepted, TaskStatus.completed)


class Task(db.Model):
    __tablename__ = "joint_tasks"
    __table_args__ = (
        Index("ix_joint_tasks_case", "case_id", "id"),
        Index("ix_joint_tasks_agency_due", "agency_id", "status", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[TaskKind] = mapped_column(str_enum(TaskKind, 24))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    due_date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[TaskStatus] = mapped_column(str_enum(TaskStatus, 16), default=TaskStatus.open)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    case: Mapped[Case] = relationship()
    agency: Mapped[Agency] = relationship(lazy="joined")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id], lazy="joined")
    reports: Mapped[list[TaskReport]] = relationship(
        back_populates="task", order_by="TaskReport.id"
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_TASK_STATES


class TaskReport(db.Model):
    """A progress report, completion or review note; an attachment is a shared evidence item
    of the case, so it is stored, hashed and kept in custody like any evidence."""

    __tablename__ = "joint_task_reports"
    __table_args__ = (Index("ix_joint_task_reports_task", "task_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("joint_tasks.id"))
    action: Mapped[str] = mapped_column(String(24))  # progress, completed, closed, sent_back
    body: Mapped[str] = mapped_column(Text, default="")
    evidence_item_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_items.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    task: Mapped[Task] = relationship(back_populates="reports")
    author: Mapped[User] = relationship(lazy="joined")
    evidence_item = relationship("EvidenceItem", lazy="joined")
