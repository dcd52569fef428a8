"""API v1 for joint investigations: making a case joint and inviting, answering, leaving and
ending, a case's invitations and tasks, creating a task and each of its steps, the user's
open tasks. Visibility and refusals are the joint feature's own."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import io
from typing import Literal

from flask import abort
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, Field
from sqlalchemy import select

from app.api import bp
from app.api.cases import _unconfirmed
from app.api.handling import BAD_BODY, NOT_FOUND, current, parse_body, respond
from app.api.schemas import Timestamp
from app.api.spec import operation
from app.auth.models import Agency, User
from app.cases.models import Case
from app.cases.permissions import get_case_or_404
from app.core.calendar import deadline_unconfirmed
from app.core.errors import InvalidInput
from app.evidence.services import Upload
from app.extensions import db
from app.joint.models import Participation, ParticipationStatus, Task, TaskKind
from app.joint.permissions import get_participation_or_404, get_task_or_404, may_answer
from app.joint.queries import joint_page_data
from app.joint.services import (
    accept_invitation,
    act_on_task,
    create_task,
    decline_invitation,
    end_joint,
    expire_invitations,
    invite_agencies,
    joint_of,
    remove_participant,
    tasks_of,
    withdraw_participation,
)


class InvitationOut(BaseModel):
    id: int
    agency: str
    status: str
    respond_by: dt.date
    respond_by_calendar_unconfirmed: bool = _unconfirmed()
    message: str
    officers: list[str]
    reason: str | None = None


class TaskOut(BaseModel):
    id: int
    case: str
    agency: str
    assignee: str | None
    kind: str
    title: str
    status: str
    due_date: dt.date
    due_date_calendar_unconfirmed: bool = _unconfirmed()


class JointOut(BaseModel):
    reference: str
    active: bool
    invitations: list[InvitationOut]
    tasks: list[TaskOut]


class TaskList(BaseModel):
    tasks: list[TaskOut]


class InvitationList(BaseModel):
    invitations: list[InvitationOut]


class TaskReportOut(BaseModel):
    action: str
    body: str
    author: str
    at: Timestamp
    attachment: int | None = Field(None, description="id of the shared evidence item")


class TaskDetail(TaskOut):
    description: str
    reports: list[TaskReportOut]


class InviteRequest(BaseModel):
    agencies: list[str] = Field(min_length=1, description="codes of the agencies invited")
    message: str
    respond_by: dt.date | None = Field(
        None, description="the answer date; the agency policy's default when omitted"
    )


class ReasonRequest(BaseModel):
    reason: str


class TaskCreate(BaseModel):
    agency: str = Field(description="code of a participating agency")
    kind: TaskKind
    title: str
    description: str = ""
    due_in_days: int = Field(description="working days from today, 1 to 120")
    assignee: str | None = Field(None, description="username of an officer the agency named")


class Attachment(BaseModel):
    filename: str
    content_base64: str = Field(description="the file, base64-encoded (the body is at most 1 MiB)")


class TaskStep(BaseModel):
    step: Literal["accept", "progress", "complete", "close", "send_back"] = Field(
        description="accept, progress, complete (the assignee); close, send_back (the lead)"
    )
    body: str = ""
    attachment: Attachment | None = Field(
        None, description="kept as shared evidence of the case, in custody like any evidence"
    )


class AnswerRequest(BaseModel):
    answer: Literal["accept", "decline"]
    officers: list[str] = Field(default_factory=list, description="usernames of named officers")
    reason: str | None = None


def _invitation(p: Participation, lead: bool) -> dict:
    return {
        "id": p.id,
        "agency": p.agency.code,
        "status": p.status.value,
        "respond_by": p.respond_by,
        "respond_by_calendar_unconfirmed": deadline_unconfirmed(p.respond_by),
        "message": p.message,
        "officers": [o.user.username for o in p.officers],
        "reason": (p.answer_reason or p.end_reason) if lead else None,
    }


def _task(t: Task) -> dict:
    return {
        "id": t.id,
        "case": t.case.reference,
        "agency": t.agency.code,
        "assignee": t.assignee.username if t.assignee else None,
        "kind": t.kind.value,
        "title": t.title,
        "status": t.status.value,
        "due_date": t.due_date,
        "due_date_calendar_unconfirmed": deadline_unconfirmed(t.due_date),
    }


def _task_detail(t: Task) -> dict:
    return {
        **_task(t),
        "description": t.description,
        "reports": [
            {
                "action": r.action,
                "body": r.body,
                "author": r.author.username,
                "at": r.at,
                "attachment": r.evidence_item_id,
            }
            for r in t.reports
        ],
    }


def _joint_data(case: Case, user: User) -> dict:
    expire_invitations(case.id)
    joint = joint_of(case)
    lead = user.agency_id == case.agency_id
    parts = [
        p
        for p in (joint.participations if joint else [])
        if lead or p.status == ParticipationStatus.accepted
    ]
    return {
        "reference": case.reference,
        "active": bool(joint and joint.active),
        "invitations": [_invitation(p, lead) for p in parts],
        "tasks": [_task(t) for t in tasks_of(case)],
    }


NO_INVITATION = {404: "No such invitation for your agency (`not_found`)"}
CASE_BODY = {**BAD_BODY, **NOT_FOUND}
NO_TASK = {404: "No such task visible to you (`not_found`)"}


@operation(
    bp,
    "/cases/{reference}/joint",
    "GET",
    "A case's joint investigation: invitations and answers (the lead), tasks",
    response=JointOut,
    errors={404: "No such case, or not visible to you (`not_found`)"},
)
def get_case_joint(reference: str):
    data = _joint_data(get_case_or_404(reference, current()), current())
    db.session.commit()
    return respond(JointOut, data)


@operation(
    bp,
    "/cases/{reference}/joint/invitations",
    "POST",
    "Make the case joint (or widen it): invite agencies with a message and an answer date",
    body=InviteRequest,
    response=InvitationList,
    status=201,
    errors={
        **CASE_BODY,
        403: "Only a supervisor of the owning agency invites (`not_allowed`)",
        409: "Not in preliminary review or investigation, or awaiting a transfer answer "
        "(`guard_failed`, `transfer_pending`)",
        422: "Unknown agency, the own agency, one already invited or taking part (`invalid_input`)",
    },
)
def invite_api(reference: str):
    user = current()
    case = get_case_or_404(reference, user)
    body = parse_body(InviteRequest)
    codes = {c.upper() for c in body.agencies}
    agencies = list(db.session.scalars(select(Agency).where(Agency.code.in_(codes))))
    if len(agencies) != len(codes):
        raise InvalidInput(_l("Choose agencies from the list."), field="agencies")
    made = invite_agencies(case, agencies, body.message, user, body.respond_by)
    db.session.commit()
    return respond(InvitationList, {"invitations": [_invitation(p, True) for p in made]}, 201)


@operation(
    bp,
    "/cases/{reference}/joint/end",
    "POST",
    "End the joint investigation: every participant's access ends at once",
    body=ReasonRequest,
    response=JointOut,
    errors={
        **CASE_BODY,
        403: "Only a supervisor of the leading agency ends it (`not_allowed`)",
        409: "The case is not a joint investigation (`guard_failed`)",
    },
)
def end_joint_api(reference: str):
    user = current()
    case = get_case_or_404(reference, user)
    end_joint(case, parse_body(ReasonRequest).reason, user)
    db.session.commit()
    return respond(JointOut, _joint_data(case, user))


@operation(
    bp,
    "/joint/invitations/{participation_id}/answer",
    "POST",
    "Accept an invitation naming the officers who take part, or decline it with a reason",
    body=AnswerRequest,
    response=InvitationOut,
    errors={
        **NO_INVITATION,
        403: "Only a supervisor of the invited agency answers (`not_allowed`)",
        409: "Already answered, or lapsed (`guard_failed`)",
        422: "Missing officers or reason (`invalid_input`)",
    },
)
def answer_invitation(participation_id: int):
    user = current()
    p = get_participation_or_404(participation_id, user)
    if not may_answer(user, p):
        abort(403)
    body = parse_body(AnswerRequest)
    if body.answer == "accept":
        names = [n.lower() for n in body.officers]
        officers = (
            list(db.session.scalars(select(User).where(User.username.in_(names)))) if names else []
        )
        if len(officers) != len(set(names)):
            officers = []  # an unknown name: the service refuses an empty list clearly
        accept_invitation(p, officers, user)
    else:
        decline_invitation(p, body.reason or "", user)
    db.session.commit()
    return respond(InvitationOut, _invitation(p, True))


def _leave(participation_id: int, action) -> object:
    user = current()
    p = get_participation_or_404(participation_id, user)
    action(p, parse_body(ReasonRequest).reason, user)
    db.session.commit()
    return respond(InvitationOut, _invitation(p, user.agency_id == p.case.agency_id))


LEAVE_ERRORS = {
    **BAD_BODY,
    **NO_INVITATION,
    409: "The agency no longer takes part (`guard_failed`)",
}


def _leave_operation(step: str, summary: str, who: str, action) -> None:
    """Removing (the lead) and withdrawing (the participant) differ only in who may."""

    def view(participation_id: int):
        return _leave(participation_id, action)

    view.__name__ = f"{step}_participation_api"
    operation(
        bp,
        f"/joint/participations/{{participation_id}}/{step}",
        "POST",
        summary,
        body=ReasonRequest,
        response=InvitationOut,
        errors={**LEAVE_ERRORS, 403: f"Only a supervisor of the {who} agency (`not_allowed`)"},
    )(view)


_leave_operation(
    "remove",
    "Remove a participating agency (or take back an unanswered invitation), with a reason",
    "leading",
    remove_participant,
)
_leave_operation(
    "withdraw",
    "Withdraw your agency from a joint investigation, with a reason",
    "participating",
    withdraw_participation,
)


@operation(
    bp,
    "/cases/{reference}/tasks",
    "POST",
    "Assign a task to a participating agency, optionally to an officer it named",
    body=TaskCreate,
    response=TaskDetail,
    status=201,
    errors={
        **CASE_BODY,
        403: "Only the leading agency's case team assigns tasks (`not_allowed`)",
        409: "The case is closed (`guard_failed`)",
        422: "Not a participating agency, not a named officer, bad title or due days "
        "(`invalid_input`)",
    },
)
def create_task_api(reference: str):
    user = current()
    case = get_case_or_404(reference, user)
    body = parse_body(TaskCreate)
    agency = db.session.scalar(select(Agency).where(Agency.code == body.agency.upper()))
    assignee = None
    if body.assignee:
        assignee = db.session.scalar(select(User).where(User.username == body.assignee.lower()))
        if assignee is None:
            raise InvalidInput(
                _l("Assign the task to an officer the agency named for this case."),
                field="assignee",
            )
    task = create_task(
        case,
        user,
        agency=agency,
        kind=body.kind.value,
        title=body.title,
        description=body.description,
        due_in_days=body.due_in_days,
        assignee=assignee,
    )
    db.session.commit()
    return respond(TaskDetail, _task_detail(task), 201)


@operation(
    bp,
    "/joint/tasks/{task_id}",
    "GET",
    "A task with its reports",
    response=TaskDetail,
    errors=NO_TASK,
)
def get_task_api(task_id: int):
    return respond(TaskDetail, _task_detail(get_task_or_404(task_id, current())))


def _upload(attachment: Attachment | None) -> Upload | None:
    if attachment is None:
        return None
    try:
        content = base64.b64decode(attachment.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(_l("The attachment is not valid base64."), field="attachment") from None
    return Upload(io.BytesIO(content), attachment.filename)


@operation(
    bp,
    "/joint/tasks/{task_id}/steps",
    "POST",
    "One step of a task: the assignee accepts, reports progress (with an attachment) and "
    "completes; the lead closes it or sends it back",
    body=TaskStep,
    response=TaskDetail,
    errors={
        **BAD_BODY,
        **NO_TASK,
        403: "Not the assigned agency (assignee steps) or the lead's case team (review) "
        "(`not_allowed`)",
        409: "The step does not apply to the task as it stands, or the case is closed "
        "(`guard_failed`)",
    },
)
def task_step_api(task_id: int):
    user = current()
    task = get_task_or_404(task_id, user)
    body = parse_body(TaskStep)
    act_on_task(task, body.step, user, body=body.body, upload=_upload(body.attachment))
    db.session.commit()
    db.session.refresh(task)
    return respond(TaskDetail, _task_detail(task))


@operation(
    bp,
    "/joint/tasks",
    "GET",
    "Open joint-investigation tasks of your agency (as lead or assignee), by due date",
    response=TaskList,
)
def list_joint_tasks():
    data = joint_page_data(current())
    return respond(TaskList, {"tasks": [_task(t) for t in data["tasks"]]})
