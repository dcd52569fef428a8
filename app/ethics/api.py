"""API v1 of ethics review: the applications a caller sees (one SQL definition with the
pages), an application at the caller's level, and every step up to the decision."""

from __future__ import annotations

from typing import Any, Literal

from flask import abort
from pydantic import BaseModel, Field
from sqlalchemy import select

from app.api import bp
from app.api.handling import BAD_BODY, current, parse_body, respond
from app.api.schemas import LongText, Request, Short, Text
from app.api.spec import operation
from app.ethics import clocks, reviewing, services
from app.ethics import permissions as perm
from app.ethics.models import Application
from app.extensions import db

NOT_VISIBLE = {404: "No ethics application with this reference is visible to you"}
STEP_ERRORS = {
    **BAD_BODY,
    **NOT_VISIBLE,
    403: "Not yours to do, or only a summary is visible to you (`not_allowed`)",
    409: "Not in a state for this step, declared or voted already, not declared, recused, a "
    "consultant, or the count does not decide (`no_quorum`, `categories_absent`, "
    "`no_majority`)",
}


class ApplicationOut(BaseModel):
    reference: str
    title: str
    unit: str
    state: str
    procedure: str | None
    multi_site: bool
    listed: bool
    level: Literal["full", "summary"]
    decision: str | None
    decision_due: str | None
    emergency_due: str | None = Field(
        default=None, description="When the emergency procedure's clock in hours runs out (UTC)"
    )
    overdue: bool = Field(default=False, description="The decision is past its due date or hour")
    content: dict[str, Any] | None = Field(description="The items' text; full level only")
    attachments: list[dict[str, Any]] | None = Field(description="Full level only")
    notices: list[dict[str, Any]] | None = Field(description="Full level only")
    versions: int


class ApplicationList(BaseModel):
    items: list[ApplicationOut]


class CreateRequest(Request):
    title: Short


class UpdateRequest(Request):
    title: Short
    multi_site: bool = False
    lead_unit: Short | None = None
    listed_id: int | None = None
    items: dict[str, LongText] = Field(default_factory=dict)


class AcceptRequest(Request):
    procedure: Literal["general", "simplified", "emergency"]
    members: list[int] = Field(default_factory=list, description="Seat ids, simplified only")


class ReturnRequest(Request):
    missing: list[str]
    note: Text | None = None


class DeclareRequest(Request):
    conflict: bool
    note: Text | None = None


class ProposeRequest(Request):
    decision: str
    meeting_date: str | None = None


class VoteRequest(Request):
    choice: Literal["endorse", "return", "abstain"]
    opinion: Text | None = None


class CloseRequest(Request):
    reasons: Text
    minutes: LongText | None = None
    present: list[int] | None = Field(None, description="Review member ids present")


def application_out(application: Application, level: str) -> dict:
    full = level == perm.FULL
    return {
        "reference": application.reference,
        "title": application.title,
        "unit": application.unit.name,
        "state": application.state.value,
        "procedure": application.procedure.value if application.procedure else None,
        "multi_site": application.multi_site,
        "listed": application.listed_id is not None,
        "level": level,
        "decision": application.decision,
        "decision_due": application.decision_due.isoformat() if application.decision_due else None,
        "emergency_due": clocks.due_text(application) if application.emergency_due else None,
        "overdue": clocks.is_overdue(application),
        "content": dict(application.content or {}) if full else None,
        "attachments": [
            {"item": a.item, "name": a.original_name, "sha256": a.blob_sha256}
            for a in services.current_attachments(application)
        ]
        if full
        else None,
        "notices": [
            {
                "kind": n.kind.value,
                "procedure": n.procedure.value if n.procedure else None,
                "missing": [m["item"] for m in n.missing],
                "note": n.note,
                "version": n.version_number,
            }
            for n in services.notices_of(application)
        ]
        if full
        else None,
        "versions": application.versions_count,
    }


def _load(reference: str, need: str = perm.FULL) -> tuple[Application, str]:
    user = current()
    application = db.session.scalar(select(Application).where(Application.reference == reference))
    level = perm.level_of(user, application.id) if application else None
    if level is None:
        abort(404)
    if need == perm.FULL and level != perm.FULL:
        abort(403)
    return application, level


def _answer(application: Application, status: int = 200):
    db.session.commit()
    level = perm.level_of(current(), application.id) or perm.SUMMARY
    return respond(ApplicationOut, application_out(application, level), status)


@operation(
    bp,
    "/ethics/applications",
    "GET",
    "List the ethics applications visible to you",
    response=ApplicationList,
)
def ethics_list():
    user = current()
    rows = db.session.execute(
        select(Application, perm.level_column(user))
        .where(perm.visible(user))
        .order_by(Application.id.desc())
        .limit(200)
    ).all()
    return respond(ApplicationList, {"items": [application_out(a, lvl) for a, lvl in rows]})


@operation(
    bp,
    "/ethics/applications",
    "POST",
    "Open an ethics application (an applicant)",
    body=CreateRequest,
    response=ApplicationOut,
    status=201,
    errors=STEP_ERRORS,
)
def ethics_create():
    body = parse_body(CreateRequest)
    return _answer(services.create_application(current(), body.title), 201)


@operation(
    bp,
    "/ethics/applications/{reference}",
    "GET",
    "Read an ethics application at your level",
    response=ApplicationOut,
    errors=NOT_VISIBLE,
)
def ethics_get(reference: str):
    application, level = _load(reference, need=perm.SUMMARY)
    return respond(ApplicationOut, application_out(application, level))


@operation(
    bp,
    "/ethics/applications/{reference}",
    "PUT",
    "Save the items of a draft or returned application",
    body=UpdateRequest,
    response=ApplicationOut,
    errors=STEP_ERRORS,
)
def ethics_update(reference: str):
    application, _level = _load(reference)
    body = parse_body(UpdateRequest)
    data = {
        **body.items,
        "title": body.title,
        "multi_site": body.multi_site,
        "lead_unit": body.lead_unit,
        "listed_id": body.listed_id,
    }
    services.update_application(current(), application, data)
    return _answer(application)


def _step(path: str, summary: str, body_model, action):
    def view(reference: str):
        application, _level = _load(reference, need=perm.SUMMARY)
        body = parse_body(body_model) if body_model else None
        action(current(), application, body)
        return _answer(application)

    view.__name__ = "ethics_" + path.replace("-", "_")
    operation(
        bp,
        f"/ethics/applications/{{reference}}/{path}",
        "POST",
        summary,
        body=body_model,
        response=ApplicationOut,
        errors=STEP_ERRORS,
    )(view)


def _accept(user, application, body):
    services.accept_application(user, application, body.procedure)
    reviewing.open_review(application, body.members)


_step(
    "submit",
    "Submit (or resubmit) the application",
    None,
    lambda u, a, b: services.submit_application(u, a),
)
_step("accept", "Accept naming the procedure (the committee office)", AcceptRequest, _accept)
_step(
    "return",
    "Return with one notice of every missing item (the office)",
    ReturnRequest,
    lambda u, a, b: services.return_application(u, a, b.missing, b.note),
)
_step(
    "declaration",
    "Declare before seeing the material (a member)",
    DeclareRequest,
    lambda u, a, b: reviewing.declare(u, a, b.conflict, b.note),
)
_step(
    "proposal",
    "Put a decision from the policy list to the members (the office)",
    ProposeRequest,
    lambda u, a, b: reviewing.propose(u, a, b.decision, b.meeting_date),
)
_step(
    "vote",
    "Vote on the proposed decision (a member)",
    VoteRequest,
    lambda u, a, b: reviewing.vote(u, a, b.choice, b.opinion),
)


def _close(user, application, body):
    if body.present is not None:
        reviewing.record_attendance(user, application, body.present)
    reviewing.close_review(user, application, body.reasons, body.minutes)


_step(
    "close",
    "Record attendance and take the decision by the count (the office)",
    CloseRequest,
    _close,
)
