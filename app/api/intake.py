"""API v1 endpoints for the intake of online reports: list, read, register as a case, attach
to a case, record non-acceptance, message the reporter. The reporter's identity never leaves
by the API; the portal itself has no API (its only credential is the receipt code)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy import select

from app.api import bp
from app.api.handling import BAD_BODY, current, parse_body, parse_query, respond
from app.api.schemas import Request, Text, Timestamp
from app.api.spec import operation
from app.extensions import db
from app.reporting import services
from app.reporting.models import Report, ReportState
from app.reporting.permissions import get_report_or_404, may_use_intake, visible_clause

NO_REPORT = {404: "No report with this id is visible to you"}
DECIDE_ERRORS = {
    **BAD_BODY,
    **NO_REPORT,
    403: "Only the agency's officers and supervisors decide reports (`not_allowed`)",
    409: "Already decided (`guard_failed`)",
}


class OnlineReportListQuery(Request):
    state: Literal["received", "registered", "attached", "not_accepted", "overdue", "all"] = Field(
        "received", description="`overdue`: still in intake past the outcome's due date"
    )
    page: int = Field(1, ge=1)


class OnlineReportMessageOut(BaseModel):
    author: Literal["reporter", "officer"]
    body: str
    created_at: Timestamp


class OnlineReportOut(BaseModel):
    id: int
    number: str
    state: Literal["received", "registered", "attached", "not_accepted"]
    submitted_at: Timestamp
    outcome_due: dt.date
    respondents: list[dict]
    misconduct_types: list[str]
    description: str
    leads: str | None
    anonymous: bool
    content_digest: str
    files: list[dict]
    case_reference: str | None
    decision_reason: str | None
    messages: list[OnlineReportMessageOut]


class OnlineReportList(BaseModel):
    items: list[OnlineReportOut]
    page: int
    pages: int
    total: int


class RegisterBody(Request):
    title: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] | None = None


class AttachBody(Request):
    reference: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=24)]


class NotAcceptBody(Request):
    reason: Text
    internal_note: Text | None = None


class MessageBody(Request):
    body: Text


def report_out(report: Report) -> dict:
    from app.cases.models import Case

    case = db.session.get(Case, report.case_id) if report.case_id else None
    return {
        "id": report.id,
        "number": report.number,
        "state": report.state.value,
        "submitted_at": report.submitted_at,
        "outcome_due": report.outcome_due,
        "respondents": report.respondents,
        "misconduct_types": report.misconduct_types,
        "description": report.description,
        "leads": report.leads,
        "anonymous": report.anonymous,
        "content_digest": report.content_digest,
        "files": [
            {"name": f.original_name, "sha256": f.blob_sha256, "size": f.size} for f in report.files
        ],
        "case_reference": case.reference if case else None,
        "decision_reason": report.decision_reason,
        "messages": [
            {"author": m.author.value, "body": m.body, "created_at": m.created_at}
            for m in report.messages
        ],
    }


@operation(
    bp,
    "/reports",
    "GET",
    "List your agency's online reports (the intake)",
    query=OnlineReportListQuery,
    response=OnlineReportList,
    errors={422: "Invalid query parameter (`invalid_input`)", 403: "Not an intake role"},
)
def list_reports():
    from flask import abort

    q = parse_query(OnlineReportListQuery)
    user = current()
    if not may_use_intake(user):
        abort(403)
    query = select(Report).where(visible_clause(user))
    if q.state == "overdue":
        query = query.where(services.overdue_clause())
    elif q.state != "all":
        query = query.where(Report.state == ReportState(q.state))
    page = db.paginate(query.order_by(Report.id), page=q.page, per_page=25)
    return respond(
        OnlineReportList,
        {
            "items": [report_out(r) for r in page.items],
            "page": page.page,
            "pages": page.pages,
            "total": page.total,
        },
    )


@operation(
    bp,
    "/reports/{report_id}",
    "GET",
    "Read an online report",
    response=OnlineReportOut,
    errors=NO_REPORT,
)
def get_report(report_id: int):
    return respond(OnlineReportOut, report_out(get_report_or_404(report_id, current())))


def _decide(report_id: int, body_model, action):
    report = get_report_or_404(report_id, current(), need="act")
    body = parse_body(body_model)
    action(report, body)
    db.session.commit()
    return respond(OnlineReportOut, report_out(report))


@operation(
    bp,
    "/reports/{report_id}/register",
    "POST",
    "Register the report as a new case (its files become evidence)",
    body=RegisterBody,
    response=OnlineReportOut,
    errors=DECIDE_ERRORS,
)
def register_report_api(report_id: int):
    return _decide(
        report_id,
        RegisterBody,
        lambda r, b: services.register_report_as_case(r, current(), b.title),
    )


@operation(
    bp,
    "/reports/{report_id}/attach",
    "POST",
    "Add the report to an existing case",
    body=AttachBody,
    response=OnlineReportOut,
    errors=DECIDE_ERRORS,
)
def attach_report_api(report_id: int):
    return _decide(
        report_id, AttachBody, lambda r, b: services.attach_report(r, b.reference, current())
    )


@operation(
    bp,
    "/reports/{report_id}/not-accept",
    "POST",
    "Record that the report is not accepted, with the reason the reporter reads",
    body=NotAcceptBody,
    response=OnlineReportOut,
    errors=DECIDE_ERRORS,
)
def not_accept_report_api(report_id: int):
    return _decide(
        report_id,
        NotAcceptBody,
        lambda r, b: services.not_accept_report(r, b.reason, current(), b.internal_note or ""),
    )


@operation(
    bp,
    "/reports/{report_id}/messages",
    "POST",
    "Write to the reporter (read on their next visit with the code)",
    body=MessageBody,
    response=OnlineReportOut,
    errors={k: v for k, v in DECIDE_ERRORS.items() if k != 409},
)
def message_report_api(report_id: int):
    return _decide(
        report_id, MessageBody, lambda r, b: services.post_officer_message(r, b.body, current())
    )
