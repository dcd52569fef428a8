"""API v1 of a site's confirmation by the simplified procedure: the site's office names
members of its own committee, each named member declares and answers, and anyone of the
site's committee reads where it stands. The office records a meeting's answer through
`POST /ethics/sites/{id}/confirmation` (`app.ethics.site_api`). Each step calls the service
the page calls; what the reading shows is the page's (`site_review.page_data`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from app.api import bp
from app.api.handling import BAD_BODY, current, parse_body, respond
from app.api.schemas import Request, Text
from app.api.spec import operation
from app.ethics import site_review
from app.ethics.site_api import SITE_NOT_VISIBLE, _site
from app.ethics.site_models import Site
from app.extensions import db

Answer = Literal["recognised", "conditions", "declined", "meeting"]
NOT_COMMITTEE = {
    403: "Not the site committee's office or a member named for it (`not_a_site`, `not_named`)",
}
READ_ERRORS = {**SITE_NOT_VISIBLE, **NOT_COMMITTEE}
STEP_ERRORS = {
    **BAD_BODY,
    **READ_ERRORS,
    409: "The site answered already (`already_confirmed`), the lead has not decided "
    "(`not_decided`), the members are named already (`already_named`), declared already "
    "(`already_declared`), not yet declared (`not_declared`), recused (`recused`) or answered "
    "already (`voted`)",
}


class NamedMemberOut(BaseModel):
    id: int
    name: str
    declared: bool
    recused: bool
    answer: Answer | None
    text: str | None = Field(description="The conditions, the reasons or why it needs a meeting")


class SeatOut(BaseModel):
    id: int
    name: str
    category: str


class MeOut(BaseModel):
    id: int
    declared: bool
    recused: bool
    answered: bool


class ProcedureOut(BaseModel):
    site_id: int
    status: Literal["awaiting", "recognised", "conditions", "declined"]
    named: bool
    wanted: int | None = Field(description="How many members the office names (policy)")
    agreed: Answer | None = Field(description="The answer every member not recused gave")
    meeting: bool = Field(description="The committee meets; its office records the answer")
    may_read: bool = Field(description="The caller may read the lead's material")
    members: list[NamedMemberOut]
    seats: list[SeatOut] = Field(description="To the office: the voting seats it may name")
    me: MeOut | None = Field(description="The caller's own part, if named")


class NameRequest(Request):
    members: list[int] = Field(description="Seat ids of the site's committee")


class DeclareRequest(Request):
    conflict: bool
    note: Text | None = None


class AnswerRequest(Request):
    answer: Answer
    text: Text | None = Field(None, description="Required unless the answer is recognised")


def _value(answer) -> str | None:
    return None if answer is None else str(answer)


def procedure_out(site: Site) -> dict:
    data = site_review.procedure_of(site, current())
    me = data["me"]
    return {
        "site_id": site.id,
        "status": site.status.value,
        "named": data["state"]["named"],
        "wanted": data["wanted"],
        "agreed": _value(data["state"]["agreed"]),
        "meeting": data["state"]["meeting"],
        "may_read": data["may_read"],
        "members": [{**m, "answer": _value(m["answer"])} for m in data["members"]],
        "seats": [
            {"id": s.id, "name": s.expert.name, "category": s.category.value} for s in data["seats"]
        ],
        "me": None
        if me is None
        else {
            "id": me.id,
            "declared": me.declared_at is not None,
            "recused": me.recused,
            "answered": me.voted_at is not None,
        },
    }


PATH = "/ethics/sites/{site_id}/simplified"


@operation(
    bp,
    PATH,
    "GET",
    "Where the site's simplified procedure stands (its office and named members)",
    response=ProcedureOut,
    errors=READ_ERRORS,
)
def ethics_site_procedure(site_id: int):
    return respond(ProcedureOut, procedure_out(_site(site_id)))


def _step(site_id: int, model, action):
    site = _site(site_id)
    body = parse_body(model)
    action(site, body)
    db.session.commit()
    return respond(ProcedureOut, procedure_out(site))


@operation(
    bp,
    f"{PATH}/members",
    "POST",
    "Name the members of the site's committee who confirm (the site's office)",
    body=NameRequest,
    response=ProcedureOut,
    errors=STEP_ERRORS,
)
def ethics_site_name_members(site_id: int):
    return _step(
        site_id,
        NameRequest,
        lambda site, body: site_review.name_members(current(), site, body.members),
    )


@operation(
    bp,
    f"{PATH}/declaration",
    "POST",
    "Declare conflicts before the lead's material (a named member)",
    body=DeclareRequest,
    response=ProcedureOut,
    errors=STEP_ERRORS,
)
def ethics_site_declare(site_id: int):
    return _step(
        site_id,
        DeclareRequest,
        lambda site, body: site_review.declare(current(), site, body.conflict, body.note),
    )


@operation(
    bp,
    f"{PATH}/answer",
    "POST",
    "Answer for the site: recognise, with conditions, decline or a meeting (a named member)",
    body=AnswerRequest,
    response=ProcedureOut,
    errors=STEP_ERRORS,
)
def ethics_site_answer(site_id: int):
    return _step(
        site_id,
        AnswerRequest,
        lambda site, body: site_review.answer(current(), site, body.answer, body.text),
    )
