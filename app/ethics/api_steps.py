"""API v1 of ethics review after the committee's first answer: expert re-review (file, form
the panel, accept a seat, declare, answer, record the panel's answer, issue the decision),
follow-up (reports, amendments, reportable events, final report, suspension, termination),
appeals (lodge, answer) and the extension of the time to decide. Each step calls the
service that the pages call; a refusal is the same problem+json as every other step."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from app.api import bp
from app.api.handling import current, parse_body, respond
from app.api.schemas import LongText, Request, Text
from app.api.spec import operation
from app.ethics import appeals, followup
from app.ethics import permissions as perm
from app.ethics import rereview as rr
from app.ethics.api import STEP_ERRORS, ApplicationOut, _load, application_out
from app.extensions import db

NOT_FILED = {404: "No such application visible to you, or no re-review filed for it"}
RR_ERRORS = {**STEP_ERRORS, **NOT_FILED}


class RereviewExpertOut(BaseModel):
    expert: str
    agency: str
    category: str
    status: str
    declared: bool
    recused: bool
    answered: bool


class RereviewOut(BaseModel):
    reference: str
    state: str
    experts: list[RereviewExpertOut]
    tally: dict[str, int] | None = Field(description="agree, disagree, of (all experts)")
    reasons: str | None


class ActivityOut(ApplicationOut):
    activity: str | None = Field(description="active, suspended, terminated or completed")
    followup_due: str | None
    followups: list[dict[str, Any]] | None = Field(description="Full level only")
    appeals: list[dict[str, Any]] | None = Field(description="Full level only")


class PanelChoice(Request):
    expert_id: int
    category: Literal["peer", "ethics", "legal", "outside"]


class PanelRequest(Request):
    experts: list[PanelChoice]


class SeatRequest(Request):
    accept: bool


class DeclareRequest(Request):
    conflict: bool
    note: Text | None = None


class AnswerRequest(Request):
    answer: Literal["agree", "disagree"]
    opinion: Text


class ReasonsRequest(Request):
    reasons: Text


class FollowupRequest(Request):
    kind: Literal["report", "amendment", "event", "final"]
    text: LongText


class AppealRequest(Request):
    grounds: Text


class AppealDecisionRequest(Request):
    upheld: bool
    answer: Text


class ExtensionRequest(Request):
    new_date: str = Field(description="YYYY-MM-DD, after the present date")
    reason: Text


def rereview_out(review) -> dict:
    return {
        "reference": review.application.reference,
        "state": review.state.value,
        "experts": [
            {
                "expert": s.expert.name,
                "agency": s.expert.agency.code,
                "category": s.category.value,
                "status": s.status.value,
                "declared": s.declared_at is not None,
                "recused": s.recused,
                "answered": s.voted_at is not None,
            }
            for s in review.experts
        ],
        "tally": review.tally,
        "reasons": review.reasons,
    }


def activity_out(application, level: str) -> dict:
    full = level == perm.FULL
    return {
        **application_out(application, level),
        "activity": application.activity,
        "followup_due": application.followup_due.isoformat() if application.followup_due else None,
        "followups": [
            {"kind": f.kind, "text": f.text, "at": f.at.isoformat()}
            for f in followup.followups_of(application)
        ]
        if full
        else None,
        "appeals": [
            {"state": a.state.value, "grounds": a.grounds, "answer": a.answer}
            for a in appeals.appeals_of(application)
        ]
        if full
        else None,
    }


def _review(application):
    from flask import abort

    review = rr.rereview_of(application)
    if review is None:
        abort(404)
    return review


def _rereview_answer(application, status: int = 200):
    db.session.commit()
    return respond(RereviewOut, rereview_out(_review(application)), status)


def _activity_answer(application):
    db.session.commit()
    level = perm.level_of(current(), application.id) or perm.SUMMARY
    return respond(ActivityOut, activity_out(application, level))


def _rereview_step(path: str, summary: str, body_model, action, status: int = 200):
    def view(reference: str):
        application, _level = _load(reference, need=perm.SUMMARY)
        body = parse_body(body_model) if body_model else None
        action(current(), application, body)
        return _rereview_answer(application, status)

    view.__name__ = "ethics_rereview_" + (path or "file").replace("-", "_").strip("/")
    operation(
        bp,
        f"/ethics/applications/{{reference}}/rereview{path}",
        "POST",
        summary,
        body=body_model,
        response=RereviewOut,
        status=status,
        errors=RR_ERRORS,
    )(view)


def _activity_step(path: str, summary: str, body_model, action):
    def view(reference: str):
        application, _level = _load(reference, need=perm.SUMMARY)
        body = parse_body(body_model)
        action(current(), application, body)
        return _activity_answer(application)

    view.__name__ = "ethics_" + path.replace("-", "_").replace("/", "_")
    operation(
        bp,
        f"/ethics/applications/{{reference}}/{path}",
        "POST",
        summary,
        body=body_model,
        response=ActivityOut,
        errors=STEP_ERRORS,
    )(view)


@operation(
    bp,
    "/ethics/applications/{reference}/rereview",
    "GET",
    "Read the expert re-review of an application (its panel, state and answer)",
    response=RereviewOut,
    errors=NOT_FILED,
)
def ethics_rereview_get(reference: str):
    application, _level = _load(reference, need=perm.SUMMARY)
    return respond(RereviewOut, rereview_out(_review(application)))


_rereview_step(
    "",
    "File the expert re-review with the authority (the unit, after preliminary approval)",
    None,
    lambda u, a, b: rr.file_rereview(u, a),
    status=201,
)
_rereview_step(
    "/panel",
    "Form the re-review panel from the regional pool (the authority's supervisor)",
    PanelRequest,
    lambda u, a, b: rr.form_panel(u, _review(a), [(c.expert_id, c.category) for c in b.experts]),
)
_rereview_step(
    "/seat",
    "Accept or decline a seat on the panel (another province's expert)",
    SeatRequest,
    lambda u, a, b: rr.answer_seat(u, _review(a), b.accept),
)
_rereview_step(
    "/declaration",
    "Declare before seeing the material (an expert of the panel)",
    DeclareRequest,
    lambda u, a, b: rr.declare(u, _review(a), b.conflict, b.note),
)
_rereview_step(
    "/answer",
    "Agree or disagree, with reasons (an expert of the panel)",
    AnswerRequest,
    lambda u, a, b: rr.vote(u, _review(a), b.answer, b.opinion),
)
_rereview_step(
    "/close",
    "Record the panel's answer by two-thirds of all experts (the authority's supervisor)",
    ReasonsRequest,
    lambda u, a, b: rr.close_rereview(u, _review(a), b.reasons),
)
_activity_step(
    "rereview-decision",
    "Issue the committee's decision once the re-review answered (the office)",
    ReasonsRequest,
    lambda u, a, b: rr.issue_after_rereview(u, a, b.reasons),
)
_activity_step(
    "followups",
    "File a follow-up report, amendment, reportable event or final report (the applicant)",
    FollowupRequest,
    lambda u, a, b: followup.file_followup(u, a, b.kind, b.text),
)
_activity_step(
    "suspension",
    "Suspend the approved activity (the committee office)",
    ReasonsRequest,
    lambda u, a, b: followup.stop_activity(u, a, False, b.reasons),
)
_activity_step(
    "termination",
    "Terminate the approved activity (the committee office)",
    ReasonsRequest,
    lambda u, a, b: followup.stop_activity(u, a, True, b.reasons),
)
_activity_step(
    "appeals",
    "Appeal against the decision (the applicant)",
    AppealRequest,
    lambda u, a, b: appeals.lodge_appeal(u, a, b.grounds),
)
_activity_step(
    "appeals/decision",
    "Answer the appeal waiting: upheld or dismissed, with the answer (the office)",
    AppealDecisionRequest,
    lambda u, a, b: appeals.answer_appeal(u, a, b.upheld, b.answer),
)
_activity_step(
    "extension",
    "Extend the time to decide, with a reason and a new date (the office)",
    ExtensionRequest,
    lambda u, a, b: appeals.extend_decision(u, a, b.new_date, b.reason),
)
