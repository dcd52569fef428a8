"""API v1 of the committee registry and annual reports: the region's summary for any
authority or committee office, a committee's registry for its office and its province's
authority, filing and answering registrations, the authority's overdue lists, filing and
reading annual reports, and registering an approved listed activity."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from flask import abort
from pydantic import BaseModel, Field
from sqlalchemy import select

from app.api import bp
from app.api.handling import BAD_BODY, current, parse_body, respond
from app.api.schemas import LongText, Request, Short, Text
from app.api.spec import operation
from app.core.calendar import today
from app.ethics import annual
from app.ethics import registry as reg
from app.ethics.models import Application, Unit
from app.ethics.registry_models import AnnualReport, Registration
from app.extensions import db

NOT_VISIBLE = {404: "No committee (or filing) visible to you by this id"}
STEP_ERRORS = {
    **BAD_BODY,
    **NOT_VISIBLE,
    403: "Not yours to do (`not_allowed`)",
    409: "Not in a state for this step: the composition breaks a rule (`composition`, each "
    "rule named), a filing waits already (`waiting`), answered already (`answered`), the "
    "year has not ended (`year_not_ended`), filed already (`filed_twice`), not registered "
    "(`not_registered`), not an approved listed activity, or registered already",
}


class SummaryRow(BaseModel):
    committee: str
    unit: str
    agency: str
    registered_on: str | None
    status: str


class SummaryList(BaseModel):
    items: list[SummaryRow]


class RegistrationOut(BaseModel):
    id: int
    number: int
    state: str
    charter: str
    members: list[dict[str, Any]]
    contact_name: str
    contact_phone: str
    contact_email: str | None
    change_note: str | None
    due_on: str
    filed_at: dt.datetime
    answer_reason: str | None


class ReportOut(BaseModel):
    id: int
    committee: str
    year: int
    kind: str
    figures: dict[str, int]
    computed: dict[str, int]
    corrections: list[dict[str, Any]]
    summary: str
    due_on: str
    filed_at: dt.datetime


class OwedOut(BaseModel):
    committee: str
    unit: str
    year: int
    kinds: list[str]
    due_on: str
    overdue: bool


class CommitteeOut(BaseModel):
    committee: str
    unit: str
    status: str
    due_on: str | None
    overdue: bool
    composition_failing: list[str]
    registrations: list[RegistrationOut]
    reports: list[ReportOut]
    reports_owed: list[OwedOut]


class OverdueOut(BaseModel):
    registrations_to_accept: list[RegistrationOut]
    registration_due: list[dict[str, Any]]
    composition_lapsed: list[dict[str, Any]]
    listed_to_register: list[dict[str, Any]]
    reports_owed: list[OwedOut]


class RegisterRequest(Request):
    charter: LongText
    contact_name: Short
    contact_phone: Short
    contact_email: Short | None = None
    change_note: Text | None = None


class AnswerRequest(Request):
    decision: Literal["accept", "return"]
    reason: Text | None = None


class ReportRequest(Request):
    year: int
    kind: Literal["work", "listed"]
    summary: LongText
    figures: dict[str, int] = Field(default_factory=dict, description="Figures changed only")
    reasons: dict[str, Text] = Field(
        default_factory=dict, description="A reason for each figure changed"
    )


class ListedRequest(Request):
    note: Text | None = None


class ListedOut(BaseModel):
    reference: str
    approved_on: str
    due_on: str
    late: bool


def registration_out(row: Registration) -> dict:
    return {
        "id": row.id,
        "number": row.number,
        "state": row.state.value,
        "charter": row.charter,
        "members": row.members,
        "contact_name": row.contact_name,
        "contact_phone": row.contact_phone,
        "contact_email": row.contact_email,
        "change_note": row.change_note,
        "due_on": row.due_on.isoformat(),
        "filed_at": row.filed_at,
        "answer_reason": row.answer_reason,
    }


def report_out(row: AnnualReport) -> dict:
    return {
        "id": row.id,
        "committee": row.panel.name,
        "year": row.year,
        "kind": row.kind.value,
        "figures": row.figures,
        "computed": row.computed,
        "corrections": row.corrections,
        "summary": row.summary,
        "due_on": row.due_on.isoformat(),
        "filed_at": row.filed_at,
    }


def owed_out(item: annual.Owed) -> dict:
    return {
        "committee": item.unit.panel.name,
        "unit": item.unit.name,
        "year": item.year,
        "kinds": [k.value for k in item.kinds],
        "due_on": item.due_on.isoformat(),
        "overdue": item.overdue,
    }


def _committee(panel_id: int) -> Unit:
    unit = reg.committee_unit(panel_id)
    if unit is None or not reg.may_see_committee(current(), unit):
        abort(404)
    return unit


def committee_out(unit: Unit) -> dict:
    (state,) = reg.states([unit])
    return {
        "committee": unit.panel.name,
        "unit": unit.name,
        "status": state.status,
        "due_on": state.due_on.isoformat() if state.due_on else None,
        "overdue": state.overdue,
        "composition_failing": state.failing,
        "registrations": [registration_out(r) for r in reg.registrations_of(unit.panel_id)],
        "reports": [report_out(r) for r in annual.reports_of(unit.panel_id)],
        "reports_owed": [owed_out(o) for o in annual.owed([unit])],
    }


@operation(
    bp,
    "/ethics/registry",
    "GET",
    "The region's committee registry: committee, unit, province, registered, status",
    response=SummaryList,
)
def registry_summary():
    if not reg.may_see_summary(current()):
        abort(403)
    rows = [
        {**r, "registered_on": r["registered_on"].isoformat() if r["registered_on"] else None}
        for r in reg.summary()
    ]
    return respond(SummaryList, {"items": rows})


@operation(
    bp,
    "/ethics/registry/committees/{panel_id}",
    "GET",
    "A committee's registrations and annual reports (its office, its province's authority)",
    response=CommitteeOut,
    errors=NOT_VISIBLE,
)
def registry_committee_get(panel_id: int):
    return respond(CommitteeOut, committee_out(_committee(panel_id)))


@operation(
    bp,
    "/ethics/registry/committees/{panel_id}/registrations",
    "POST",
    "File the committee's registration, or the registration of a change (its office)",
    body=RegisterRequest,
    response=RegistrationOut,
    status=201,
    errors=STEP_ERRORS,
)
def registry_file_api(panel_id: int):
    unit = _committee(panel_id)
    body = parse_body(RegisterRequest)
    row = reg.file_registration(current(), unit, reg.RegistrationInput(**body.model_dump()))
    db.session.commit()
    return respond(RegistrationOut, registration_out(row), 201)


@operation(
    bp,
    "/ethics/registry/registrations/{registration_id}/answer",
    "POST",
    "Accept a registration, or return it with reasons (the province's authority)",
    body=AnswerRequest,
    response=RegistrationOut,
    errors=STEP_ERRORS,
)
def registry_answer_api(registration_id: int):
    row = db.session.get(Registration, registration_id)
    if row is None or not reg.may_see_committee(current(), row.unit):
        abort(404)
    body = parse_body(AnswerRequest)
    reg.answer_registration(current(), row, body.decision == "accept", body.reason)
    db.session.commit()
    return respond(RegistrationOut, registration_out(row))


@operation(
    bp,
    "/ethics/registry/overdue",
    "GET",
    "The authority's lists: filings to accept, registrations due or overdue, compositions"
    " lapsed, listed activities to register, annual reports due or overdue",
    response=OverdueOut,
)
def registry_overdue_api():
    user = current()
    if not reg.is_authority(user, user.agency_id):
        abort(403)
    units = reg.committee_units(user.agency_id)
    states = reg.states(units)
    return respond(
        OverdueOut,
        {
            "registrations_to_accept": [registration_out(r) for r in reg.to_accept(user.agency_id)],
            "registration_due": [
                {
                    "committee": s.panel.name,
                    "unit": s.unit.name,
                    "due_on": s.due_on.isoformat(),
                    "overdue": s.overdue,
                }
                for s in states
                if s.due_on is not None
            ],
            "composition_lapsed": [
                {"committee": s.panel.name, "unit": s.unit.name, "failing": s.failing}
                for s in states
                if s.lapsed
            ],
            "listed_to_register": [
                {"reference": a.reference, "due_on": due.isoformat(), "overdue": today() > due}
                for a, due in reg.listed_to_register([u.panel_id for u in units])
            ],
            "reports_owed": [owed_out(o) for o in annual.owed(units)],
        },
    )


@operation(
    bp,
    "/ethics/registry/committees/{panel_id}/annual-reports",
    "POST",
    "File an annual report of an ended year; a figure changed needs its reason (the office)",
    body=ReportRequest,
    response=ReportOut,
    status=201,
    errors=STEP_ERRORS,
)
def annual_file_api(panel_id: int):
    unit = _committee(panel_id)
    body = parse_body(ReportRequest)
    row = annual.file_report(
        current(), unit, body.year, body.kind, body.figures, body.reasons, body.summary
    )
    db.session.commit()
    return respond(ReportOut, report_out(row), 201)


@operation(
    bp,
    "/ethics/registry/annual-reports/{report_id}",
    "GET",
    "Read a filed annual report (the office, its province's authority)",
    response=ReportOut,
    errors=NOT_VISIBLE,
)
def annual_get_api(report_id: int):
    row = db.session.get(AnnualReport, report_id)
    if row is None or not reg.may_see_committee(current(), row.unit):
        abort(404)
    return respond(ReportOut, report_out(row))


@operation(
    bp,
    "/ethics/registry/listed/{reference}",
    "POST",
    "Register an approved listed activity with the authority (the committee's office)",
    body=ListedRequest,
    response=ListedOut,
    status=201,
    errors=STEP_ERRORS,
)
def registry_listed_api(reference: str):
    application = db.session.scalar(select(Application).where(Application.reference == reference))
    unit = (
        reg.committee_unit(application.panel_id) if application and application.panel_id else None
    )
    if unit is None or not reg.may_see_committee(current(), unit):
        abort(404)
    body = parse_body(ListedRequest)
    row = reg.register_listed(current(), application, body.note)
    db.session.commit()
    return respond(
        ListedOut,
        {
            "reference": application.reference,
            "approved_on": row.approved_on.isoformat(),
            "due_on": row.due_on.isoformat(),
            "late": reg.local_day(row.registered_at) > row.due_on,
        },
        201,
    )
