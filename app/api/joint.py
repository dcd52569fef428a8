"""API v1 for joint investigations: a case's invitations and tasks, answering an invitation,
the user's open tasks. Visibility and refusals are the joint feature's own."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from flask import abort
from pydantic import BaseModel, Field
from sqlalchemy import select

from app.api import bp
from app.api.spec import operation
from app.api.views import current, parse_body, respond
from app.auth.models import User
from app.cases.permissions import get_case_or_404
from app.extensions import db
from app.joint.models import Participation, ParticipationStatus, Task
from app.joint.permissions import may_answer
from app.joint.queries import joint_page_data
from app.joint.services import (
    accept_invitation,
    decline_invitation,
    expire_invitations,
    joint_of,
    tasks_of,
)


class InvitationOut(BaseModel):
    id: int
    agency: str
    status: str
    respond_by: dt.date
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


class JointOut(BaseModel):
    reference: str
    active: bool
    invitations: list[InvitationOut]
    tasks: list[TaskOut]


class TaskList(BaseModel):
    tasks: list[TaskOut]


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
    }


@operation(
    bp,
    "/cases/{reference}/joint",
    "GET",
    "A case's joint investigation: invitations and answers (the lead), tasks",
    response=JointOut,
    errors={404: "No such case, or not visible to you (`not_found`)"},
)
def get_case_joint(reference: str):
    user = current()
    case = get_case_or_404(reference, user)
    expire_invitations(case.id)
    joint = joint_of(case)
    lead = user.agency_id == case.agency_id
    parts = [
        p
        for p in (joint.participations if joint else [])
        if lead or p.status == ParticipationStatus.accepted
    ]
    data = {
        "reference": case.reference,
        "active": bool(joint and joint.active),
        "invitations": [_invitation(p, lead) for p in parts],
        "tasks": [_task(t) for t in tasks_of(case)],
    }
    db.session.commit()
    return respond(JointOut, data)


@operation(
    bp,
    "/joint/invitations/{participation_id}/answer",
    "POST",
    "Accept an invitation naming the officers who take part, or decline it with a reason",
    body=AnswerRequest,
    response=InvitationOut,
    errors={
        403: "Only a supervisor of the invited agency answers (`not_allowed`)",
        404: "No such invitation for your agency (`not_found`)",
        409: "Already answered, or lapsed (`guard_failed`)",
        422: "Missing officers or reason (`invalid_input`)",
    },
)
def answer_invitation(participation_id: str):
    user = current()
    p = db.session.get(Participation, int(participation_id)) if participation_id.isdigit() else None
    if p is None or user.agency_id not in (p.agency_id, p.case.agency_id):
        abort(404)
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
