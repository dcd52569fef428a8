"""Every change to a joint investigation: inviting, answering, leaving, ending, and tasks.

Each function checks who and when, changes state, writes the case timeline, the audit log
and notifications, and flushes; the caller commits.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app.auth.models import Agency, Role, User
from app.cases.models import Case, CaseState
from app.cases.permissions import can_handle, check_case_open
from app.cases.services import write_history
from app.core import audit
from app.core.calendar import add_working_days, today
from app.core.errors import GuardFailed, InvalidInput, NotAllowed, Problems
from app.core.models import utcnow
from app.evidence.services import Upload, add_file_evidence
from app.extensions import db
from app.joint import handoffs
from app.joint.models import (
    OPEN_PARTICIPATION,
    JointInvestigation,
    JointOfficer,
    Participation,
    ParticipationStatus,
    Task,
    TaskKind,
    TaskReport,
    TaskStatus,
)
from app.joint.permissions import (
    JOINABLE_STATES,
    may_answer,
    may_lead,
    may_work_on,
    participation_of,
)

MAX_TEXT = 5000
# A task report's attachment is titled after the task, in each reader's language.
TASK_REPORT_TITLE = "task_report"


def task_report_title(task_title: str) -> str:
    return _("Task report: %(title)s", title=task_title)


def _text(value: str | None, field: str, *, required: bool = True) -> str:
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise InvalidInput(_l("This field is required."), field=field)
    if len(cleaned) > MAX_TEXT:
        raise InvalidInput(_l("At most 5,000 characters."), field=field)
    return cleaned


def joint_of(case: Case) -> JointInvestigation | None:
    return db.session.scalar(
        select(JointInvestigation).where(JointInvestigation.case_id == case.id)
    )


def active_joint(case: Case) -> JointInvestigation | None:
    joint = joint_of(case)
    return joint if joint is not None and joint.active else None


def is_joint(case: Case) -> bool:
    """Joint while an active joint investigation has an agency taking part or invited."""
    joint = active_joint(case)
    return joint is not None and any(p.status in OPEN_PARTICIPATION for p in joint.participations)


def refuse_transfer_of_joint_case(case: Case) -> None:
    """Registered with the transfer checks: a case other agencies work on stays with its
    lead; the joint investigation ends first."""
    if is_joint(case):
        raise GuardFailed(
            _l(
                "The case is a joint investigation with other agencies taking part or invited: "
                "end the joint investigation before transferring the case."
            ),
            code="joint_case",
        )


# --- invitations ------------------------------------------------------------------------


def invite_agencies(
    case: Case, agencies: list[Agency], message: str, actor: User, respond_by: dt.date | None
) -> list[Participation]:
    """Makes the case joint (if it is not yet) and invites each agency."""
    if not may_lead(actor, case):
        raise NotAllowed(_l("Only a supervisor of the leading agency invites agencies."))
    check_case_open(case)
    if case.state == CaseState.transfer_pending:
        raise GuardFailed(
            _l(
                "The case waits for another agency to answer its transfer: it cannot become "
                "joint until the transfer is withdrawn or refused."
            ),
            code="transfer_pending",
        )
    if case.state not in JOINABLE_STATES:
        raise GuardFailed(
            _l("A case becomes joint during the preliminary review or the investigation.")
        )
    message = _text(message, "message")
    if not agencies:
        raise InvalidInput(_l("Choose at least one agency to invite."), field="agencies")
    default = add_working_days(today(), case.agency.policy.joint_response_days)
    respond_by = respond_by or default
    if respond_by <= today():
        raise InvalidInput(_l("The answer date must be after today."), field="respond_by")
    joint = joint_of(case)
    taken = {
        p.agency_id
        for p in (joint.participations if joint else [])
        if p.status in OPEN_PARTICIPATION
    }
    for agency in agencies:
        if agency.id == case.agency_id:
            raise InvalidInput(
                _l("Your own agency leads this case; invite other agencies."), field="agencies"
            )
        if agency.id in taken:
            raise InvalidInput(
                _l(
                    "%(agency)s is already invited or taking part.",
                    agency=agency.display_name("zh"),
                ),
                field="agencies",
            )
    if joint is None:
        joint = JointInvestigation(case_id=case.id, started_by_id=actor.id)
        db.session.add(joint)
        db.session.flush()
        write_history(case, actor, "joint.start")
        audit.record("joint.start", actor=actor, case=case, obj=joint)
    elif not joint.active:
        joint.ended_at = joint.ended_by_id = joint.end_reason = None
        write_history(case, actor, "joint.start")
        audit.record("joint.start", actor=actor, case=case, obj=joint)
    made = []
    for agency in agencies:
        p = Participation(
            joint_id=joint.id,
            case_id=case.id,
            agency_id=agency.id,
            message=message,
            respond_by=respond_by,
            invited_by_id=actor.id,
        )
        db.session.add(p)
        db.session.flush()
        write_history(case, actor, "joint.invite", details={"agency": agency.code})
        audit.record(
            "joint.invite",
            actor=actor,
            case=case,
            obj=p,
            details={"agency": agency.code, "respond_by": respond_by.isoformat()},
        )
        handoffs.announce_invitation(p, actor)
        made.append(p)
    return made


def expire_invitations(case_id: int | None = None) -> int:
    """Marks pending invitations past their answer date expired: run daily, and before any
    page or answer reads them, so a lapsed invitation is never answered."""
    query = select(Participation).where(
        Participation.status == ParticipationStatus.pending, Participation.respond_by < today()
    )
    if case_id is not None:
        query = query.where(Participation.case_id == case_id)
    lapsed = list(db.session.scalars(query))
    if not lapsed:
        return 0
    result = db.session.execute(
        update(Participation)
        .where(
            Participation.id.in_([p.id for p in lapsed]),
            Participation.status == ParticipationStatus.pending,
        )
        .values(status=ParticipationStatus.expired)
        .execution_options(synchronize_session="fetch")
    )
    handoffs.announce_lapsed(lapsed)
    return result.rowcount or 0


def _check_pending(participation: Participation) -> None:
    expire_invitations(participation.case_id)
    db.session.refresh(participation)
    if participation.status == ParticipationStatus.expired:
        raise GuardFailed(_l("The invitation lapsed on %(day)s.", day=participation.respond_by))
    if participation.status != ParticipationStatus.pending:
        raise GuardFailed(_l("This invitation was already answered."))


def accept_invitation(participation: Participation, officers: list[User], actor: User) -> None:
    if not may_answer(actor, participation):
        raise NotAllowed(_l("Only a supervisor of the invited agency answers the invitation."))
    _check_pending(participation)
    check_case_open(participation.case)
    if not officers:
        raise InvalidInput(_l("Name at least one officer who takes part."), field="officers")
    for officer in officers:
        if officer.agency_id != participation.agency_id or not officer.has_role(Role.officer):
            raise InvalidInput(_l("Name officers of your own agency."), field="officers")
    participation.status = ParticipationStatus.accepted
    participation.answered_by_id = actor.id
    participation.answered_at = utcnow()
    participation.officers = [JointOfficer(user_id=o.id) for o in officers]
    db.session.flush()
    _record_answer(participation, actor, "joint.accept")


def decline_invitation(participation: Participation, reason: str, actor: User) -> None:
    if not may_answer(actor, participation):
        raise NotAllowed(_l("Only a supervisor of the invited agency answers the invitation."))
    _check_pending(participation)
    participation.answer_reason = _text(reason, "reason")
    participation.status = ParticipationStatus.declined
    participation.answered_by_id = actor.id
    participation.answered_at = utcnow()
    db.session.flush()
    _record_answer(participation, actor, "joint.decline")


def _record_answer(participation: Participation, actor: User, action: str) -> None:
    case = participation.case
    write_history(case, actor, action, details={"agency": participation.agency.code})
    audit.record(action, actor=actor, case=case, obj=participation)
    handoffs.announce_answer(participation, actor)


def _end(participation: Participation, status: ParticipationStatus, actor: User, reason) -> None:
    participation.status = status
    participation.ended_at = utcnow()
    participation.ended_by_id = actor.id
    participation.end_reason = reason


def remove_participant(participation: Participation, reason: str, actor: User) -> None:
    """The lead ends one agency's part (or takes back an unanswered invitation)."""
    case = participation.case
    if not may_lead(actor, case):
        raise NotAllowed(_l("Only a supervisor of the leading agency removes a participant."))
    if participation.status not in OPEN_PARTICIPATION:
        raise GuardFailed(_l("This agency no longer takes part."))
    _end(participation, ParticipationStatus.removed, actor, _text(reason, "reason"))
    db.session.flush()
    write_history(case, actor, "joint.remove", details={"agency": participation.agency.code})
    audit.record("joint.remove", actor=actor, case=case, obj=participation)
    handoffs.announce_left(participation, actor, tasks_of(case))


def withdraw_participation(participation: Participation, reason: str, actor: User) -> None:
    case = participation.case
    if not may_answer(actor, participation):
        raise NotAllowed(_l("Only a supervisor of the participating agency withdraws it."))
    if participation.status != ParticipationStatus.accepted:
        raise GuardFailed(_l("This agency no longer takes part."))
    _end(participation, ParticipationStatus.withdrawn, actor, _text(reason, "reason"))
    db.session.flush()
    write_history(case, actor, "joint.withdraw", details={"agency": participation.agency.code})
    audit.record("joint.withdraw", actor=actor, case=case, obj=participation)
    handoffs.announce_left(participation, actor, tasks_of(case))


def end_joint(case: Case, reason: str, actor: User) -> None:
    """The case stops being joint: every participant's access ends now."""
    if not may_lead(actor, case):
        raise NotAllowed(
            _l("Only a supervisor of the leading agency ends the joint investigation.")
        )
    joint = active_joint(case)
    if joint is None:
        raise GuardFailed(_l("The case is not a joint investigation."))
    reason = _text(reason, "reason")
    for p in joint.participations:
        if p.status in OPEN_PARTICIPATION:
            _end(p, ParticipationStatus.ended, actor, reason)
    joint.ended_at = utcnow()
    joint.ended_by_id = actor.id
    joint.end_reason = reason
    db.session.flush()
    write_history(case, actor, "joint.end", reason=reason)
    audit.record("joint.end", actor=actor, case=case, obj=joint)
    handoffs.announce_end(case.id)


def end_with_case(case: Case, actor: User, step: str, from_state, reason) -> None:
    """Registered on `app.cases.extension_points.after_transition`: a case that reaches a
    terminal state (not accepted, transferred, terminated, closed) ends its joint
    investigation at once: every participation and pending invitation, and every open
    task. The timeline says why, in the reader's language (the state is stored as a code)."""
    if not case.is_terminal:
        return
    joint = active_joint(case)
    tasks = [t for t in tasks_of(case) if t.is_open]
    if joint is None and not tasks:
        return
    ended = 0
    if joint is not None:
        for p in joint.participations:
            if p.status in OPEN_PARTICIPATION:
                _end(p, ParticipationStatus.ended, actor, reason)
                ended += 1
        joint.ended_at = utcnow()
        joint.ended_by_id = actor.id
        joint.end_reason = reason
    for task in tasks:
        task.status = TaskStatus.ended
        task.updated_at = utcnow()
        db.session.add(TaskReport(task_id=task.id, action="ended", body="", author_id=actor.id))
    db.session.flush()
    details = {"state": case.state.value, "participations": ended, "tasks": len(tasks)}
    write_history(case, actor, f"joint.ended_{case.state.value}", reason=reason, details=details)
    audit.record("joint.end_with_case", actor=actor, case=case, obj=joint or case, details=details)
    handoffs.announce_end(case.id)
    for task in tasks:
        handoffs.announce_task_step(task, "close", actor)


# --- tasks ------------------------------------------------------------------------------


def create_task(
    case: Case,
    actor: User,
    *,
    agency: Agency | None,
    kind: str,
    title: str,
    description: str,
    due_in_days: int | None,
    assignee: User | None = None,
) -> Task:
    if not can_handle(actor, case):
        raise NotAllowed(_l("Only the leading agency's case team assigns tasks."))
    check_case_open(case)
    problems = Problems()
    try:
        task_kind = TaskKind(kind)
    except ValueError:
        problems.add("kind", _l("Choose the kind of task from the list."), label=_l("Kind"))
    title = (title or "").strip()
    if not title:
        problems.add("title", _l("This field is required."), label=_l("Title"))
    elif len(title) > 200:
        problems.add("title", _l("Give a title of at most 200 characters."), label=_l("Title"))
    description = (description or "").strip()
    if len(description) > MAX_TEXT:
        problems.add("description", _l("At most 5,000 characters."), label=_l("Description"))
    if not isinstance(due_in_days, int) or not 1 <= due_in_days <= 120:
        problems.add(
            "due_in_days",
            _l("Enter a number from %(min)s to %(max)s.", min=1, max=120),
            label=_l("Due in (working days)"),
        )
    accepted = {
        p.agency_id: p
        for p in db.session.scalars(
            select(Participation).where(
                Participation.case_id == case.id,
                Participation.status == ParticipationStatus.accepted,
            )
        )
    }
    if agency is None or agency.id not in accepted:
        problems.add(
            "agency",
            _l("A task goes to an agency taking part in the joint investigation."),
            label=_l("Agency"),
        )
    elif assignee is not None and assignee.id not in {
        o.user_id for o in accepted[agency.id].officers
    }:
        problems.add(
            "assignee",
            _l("Assign the task to an officer the agency named for this case."),
            label=_l("Officer (optional)"),
        )
    problems.check()
    task = Task(
        case_id=case.id,
        agency_id=agency.id,
        assignee_id=assignee.id if assignee else None,
        kind=task_kind,
        title=title,
        description=description,
        due_date=add_working_days(today(), due_in_days),
        created_by_id=actor.id,
    )
    db.session.add(task)
    db.session.flush()
    write_history(case, actor, "joint.task", details={"task": task.id, "agency": agency.code})
    audit.record("joint.task_create", actor=actor, case=case, obj=task)
    handoffs.announce_task(task, actor)
    return task


ASSIGNEE_STEPS = {
    # step: (from states, to state)
    "accept": ((TaskStatus.open,), TaskStatus.accepted),
    "progress": ((TaskStatus.accepted,), None),
    "complete": ((TaskStatus.accepted,), TaskStatus.completed),
}
LEAD_STEPS = {
    "close": ((TaskStatus.completed,), TaskStatus.closed),
    "send_back": ((TaskStatus.completed,), TaskStatus.accepted),
}


def act_on_task(
    task: Task, step: str, actor: User, *, body: str = "", upload: Upload | None = None
) -> TaskReport | None:
    """One step of a task: the assignee accepts, reports progress and completes; the lead
    closes it or sends it back. A report's attachment becomes shared evidence of the case."""
    case = task.case
    check_case_open(case)
    if step in ASSIGNEE_STEPS:
        if not may_work_on(actor, task):
            raise NotAllowed(_l("Only the assigned agency works on this task."))
        sources, target = ASSIGNEE_STEPS[step]
    elif step in LEAD_STEPS:
        if not can_handle(actor, case):
            raise NotAllowed(_l("Only the leading agency's case team reviews a task."))
        sources, target = LEAD_STEPS[step]
    else:
        raise InvalidInput(_l("Unknown step."))
    if task.status not in sources:
        raise GuardFailed(_l("This step does not apply to the task as it stands."))
    text = _text(body, "body", required=step in ("progress", "complete", "send_back"))
    item = None
    if upload is not None and upload.filename:
        item = add_file_evidence(
            case,
            upload,
            actor,
            title=task.title,
            title_code=TASK_REPORT_TITLE,
            visibility="shared",
        )
    report = None
    if text or item is not None or step != "accept":
        report = TaskReport(
            task_id=task.id,
            action=step,
            body=text,
            evidence_item_id=item.id if item else None,
            author_id=actor.id,
        )
        db.session.add(report)
    if target is not None:
        task.status = target
    task.updated_at = utcnow()
    db.session.flush()
    audit.record(f"joint.task_{step}", actor=actor, case=case, obj=task)
    if step in ("complete", "send_back"):
        write_history(case, actor, f"joint.task_{step}", details={"task": task.id})
    handoffs.announce_task_step(task, step, actor)
    return report


def tasks_of(case: Case) -> list[Task]:
    return list(db.session.scalars(select(Task).where(Task.case_id == case.id).order_by(Task.id)))


def overdue_tasks(
    agency_id: int | None = None, *, visible_to: User | None = None, day: dt.date | None = None
) -> list[Task]:
    """Open tasks past their due date (still to accept or in progress), of this agency as
    the lead or the assignee; only those of cases `visible_to` sees, when given."""
    from app.cases.permissions import visible_clause

    query = (
        select(Task)
        .join(Case, Case.id == Task.case_id)
        .where(
            Task.status.in_([TaskStatus.open.value, TaskStatus.accepted.value]),
            Task.due_date < (day or today()),
        )
        .order_by(Task.due_date, Task.id)
    )
    if agency_id is not None:
        query = query.where((Task.agency_id == agency_id) | (Case.agency_id == agency_id))
    if visible_to is not None:
        query = query.where(visible_clause(visible_to))
    return list(db.session.scalars(query).unique())


def participation_for(user: User, case: Case) -> Participation | None:
    return participation_of(user, case)
