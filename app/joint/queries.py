"""What the joint page and the shared case page read; visibility always in the SQL."""

from __future__ import annotations

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import selectinload

from app.auth.models import Role, User, UserRole
from app.cases.models import Case, HistoryEntry
from app.cases.permissions import is_shared_step, visible_clause
from app.core.calendar import today
from app.extensions import db
from app.joint.models import (
    OPEN_TASK_STATES,
    JointInvestigation,
    JointOfficer,
    Participation,
    ParticipationStatus,
    Task,
    TaskStatus,
)

# The dashboard lists this many of a user's tasks, the soonest due first.
MY_TASKS_SHOWN = 20


def shared_timeline(case: Case, reader: User) -> list[dict]:
    """The timeline at the shared level (app.cases.permissions.is_shared_step): the acting
    agency, never the person, never the reason."""
    rows = db.session.scalars(
        select(HistoryEntry).where(HistoryEntry.case_id == case.id).order_by(HistoryEntry.id)
    ).all()
    return [
        {
            "at": h.at,
            "action": h.action,
            "from_state": h.from_state,
            "to_state": h.to_state,
            "agency": (h.details or {}).get("agency"),
            "actor_agency": h.actor.agency.code if h.actor else None,
        }
        for h in rows
        if is_shared_step(h, reader)
    ]


def pending_invitations(user: User) -> list[Participation]:
    """The invitations a supervisor answers for their agency, the soonest due first."""
    if not user.has_role(Role.supervisor):
        return []
    return db.session.scalars(
        select(Participation)
        .where(
            Participation.agency_id == user.agency_id,
            Participation.status == ParticipationStatus.pending,
        )
        .options(selectinload(Participation.case))
        .order_by(Participation.respond_by, Participation.id)
    ).all()


def my_open_tasks(user: User, limit: int = MY_TASKS_SHOWN) -> list[Task]:
    """The tasks waiting for this user's work (`handoffs.task_workers` as SQL): assigned to
    them, or assigned to their agency with nobody named and taken up by its supervisors or
    the officers it named for the case. Still to accept or in progress, the soonest due
    first; only tasks of cases the user sees."""
    named = exists().where(
        JointOfficer.user_id == user.id,
        JointOfficer.participation_id == Participation.id,
        Participation.case_id == Task.case_id,
        Participation.agency_id == Task.agency_id,
        Participation.status == ParticipationStatus.accepted,
    )
    taken_up_by = True if user.has_role(Role.supervisor) else named
    unnamed = and_(Task.assignee_id.is_(None), Task.agency_id == user.agency_id, taken_up_by)
    return db.session.scalars(
        select(Task)
        .join(Case, Case.id == Task.case_id)
        .where(
            Task.status.in_([TaskStatus.open.value, TaskStatus.accepted.value]),
            or_(and_(Task.assignee_id == user.id, Task.agency_id == user.agency_id), unnamed),
            visible_clause(user),
        )
        .options(selectinload(Task.case))
        .order_by(Task.due_date, Task.id)
        .limit(limit)
    ).all()


def joint_page_data(user: User) -> dict:
    visible = visible_clause(user)
    invitations = pending_invitations(user)
    officers = []
    if user.has_role(Role.supervisor):
        officers = (
            db.session.scalars(
                select(User)
                .join(UserRole, UserRole.user_id == User.id)
                .where(User.agency_id == user.agency_id, User.active, UserRole.role == Role.officer)
                .order_by(User.display_name)
            )
            .unique()
            .all()
        )
    leading = db.session.scalars(
        select(JointInvestigation)
        .join(Case, Case.id == JointInvestigation.case_id)
        .where(Case.agency_id == user.agency_id, JointInvestigation.ended_at.is_(None), visible)
        .options(selectinload(JointInvestigation.participations))
        .order_by(Case.reference)
    ).all()
    taking_part = db.session.scalars(
        select(Participation)
        .join(Case, Case.id == Participation.case_id)
        .where(
            Participation.agency_id == user.agency_id,
            Participation.status == ParticipationStatus.accepted,
            visible,
        )
        .order_by(Case.reference)
    ).all()
    tasks = db.session.scalars(
        select(Task)
        .join(Case, Case.id == Task.case_id)
        .where(
            Task.status.in_([s.value for s in OPEN_TASK_STATES]),
            (Task.agency_id == user.agency_id) | (Case.agency_id == user.agency_id),
            visible,
        )
        .order_by(Task.due_date, Task.id)
    ).all()
    return {
        "invitations": invitations,
        "officers": officers,
        "leading": leading,
        "taking_part": taking_part,
        "tasks": tasks,
        "today": today(),
    }
