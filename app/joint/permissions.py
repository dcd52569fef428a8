"""Who takes part in a joint investigation and what each of them may do.

A participating agency's supervisors and the officers it named see the case at the shared
level (app.cases.permissions.reads_shared_level) and add material; every workflow step,
the findings and the decision stay with the owning agency (the cases feature's own checks).
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import ColumnElement, select

from app.auth.models import Role, User
from app.cases.models import Case, CaseState
from app.cases.permissions import is_supervisor_of, visible_clause
from app.core.sql import id_among
from app.extensions import db
from app.joint.models import JointOfficer, Participation, ParticipationStatus, Task

JOINABLE_STATES = (CaseState.preliminary_review, CaseState.investigating)


def participant_clause(user: User) -> ColumnElement[bool] | None:
    """Registered with the case visibility clause: the cases an accepted participation opens."""
    accepted = Participation.status == ParticipationStatus.accepted
    if user.has_role(Role.supervisor):
        agency = Participation.agency_id == user.agency_id
        return id_among(Case.id, select(Participation.case_id).where(accepted, agency))
    if user.has_role(Role.officer):
        return id_among(
            Case.id,
            select(Participation.case_id)
            .join(JointOfficer, JointOfficer.participation_id == Participation.id)
            .where(accepted, JointOfficer.user_id == user.id),
        )
    return None


def participation_of(user: User, case: Case) -> Participation | None:
    """The accepted participation through which this user takes part, if any."""
    if user.agency_id == case.agency_id:
        return None
    query = select(Participation).where(
        Participation.case_id == case.id,
        Participation.agency_id == user.agency_id,
        Participation.status == ParticipationStatus.accepted,
    )
    participation = db.session.scalar(query)
    if participation is None:
        return None
    if user.has_role(Role.supervisor):
        return participation
    if user.has_role(Role.officer) and any(o.user_id == user.id for o in participation.officers):
        return participation
    return None


# An invitation and its answer are between the lead and the invited agency: at the shared
# level only the invited agency itself sees them in the timeline. Who takes part, leaves,
# is given a task, and the start and end are shared with every participant.
CORRESPONDENCE = ("joint.invite", "joint.decline")


def shared_joint_event(entry, reader: User | None) -> bool:
    """Registered with the shared level (app.cases.extension_points.shared_events)."""
    if not entry.action.startswith("joint."):
        return False
    if entry.action in CORRESPONDENCE:
        agency = (entry.details or {}).get("agency")
        return reader is not None and agency is not None and agency == reader.agency.code
    return True


def is_participant(user: User, case: Case) -> bool:
    return participation_of(user, case) is not None


def may_lead(user: User, case: Case) -> bool:
    """Makes the case joint, invites, removes, ends, creates and reviews tasks."""
    return is_supervisor_of(user, case)


def may_answer(user: User, participation: Participation) -> bool:
    return user.has_role(Role.supervisor) and user.agency_id == participation.agency_id


def may_work_on(user: User, task: Task) -> bool:
    """The assigned agency's supervisors, its assigned officer, or any officer it named when
    the task names no one."""
    if user.agency_id != task.agency_id or not is_participant(user, task.case):
        return False
    if user.has_role(Role.supervisor):
        return True
    return task.assignee_id is None or task.assignee_id == user.id


def may_see_task(user: User, task: Task) -> bool:
    return user.agency_id == task.case.agency_id or is_participant(user, task.case)


def get_participation_or_404(participation_id: int, user: User) -> Participation:
    """An invitation is known to the inviting agency and to the invited one; to no one else
    it exists."""
    p = db.session.get(Participation, participation_id)
    if p is None or user.agency_id not in (p.agency_id, p.case.agency_id):
        abort(404)
    return p


def get_task_or_404(task_id: int, user: User) -> Task:
    """A task of a case the user sees, to the lead's agency and the participants only."""
    task = db.session.get(Task, task_id)
    if task is None:
        abort(404)
    visible = db.session.scalar(
        select(Case.id).where(Case.id == task.case_id, visible_clause(user))
    )
    if visible is None or not may_see_task(user, task):
        abort(404)
    return task
