"""API v1 endpoints of a committee member: my reviews, a review (package once declared),
declare (and correct a declaration before voting), vote (a consultant: advise), and the
chair's close. A review exists only for its members (404 for anyone else); a recused
member gets 403 with the reason, as on the pages."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    BaseModel,
    Field,
)

from app.api import bp
from app.api.handling import (
    BAD_BODY,
    current,
    parse_body,
    respond,
)
from app.api.schemas import LongText, Request, Text
from app.api.spec import operation
from app.committees.package import review_package, review_record, review_summary
from app.committees.permissions import get_review_or_404, is_chair, is_consultant, sees_package
from app.committees.queries import inbox
from app.committees.reviews import (
    cast_vote,
    close_review,
    correct_declaration,
    declare,
    record_meeting,
    write_advice,
)
from app.extensions import db


class ReviewPart(BaseModel):
    """The caller's own part in a review."""

    declared: bool
    conflict: str | None = Field(description="`none` or the kind of conflict declared")
    recused: bool
    chair: bool
    consultant: bool = Field(
        description="A consultant advises (`/advice`) but never votes or counts"
    )
    choice: str | None
    opinion: str | None
    vote_changes: int


class ReviewSummaryOut(BaseModel):
    id: int
    reference: str
    title: str
    agency: str
    panel: str
    questions: str
    meeting_date: str
    deadline: str
    status: str
    outcome: str | None
    respondents: list[dict[str, str]]


class ReviewListItem(ReviewSummaryOut):
    mine: ReviewPart


class ReviewList(BaseModel):
    items: list[ReviewListItem]


class ReviewOut(ReviewListItem):
    package: dict[str, Any] | None = Field(
        description="The review package, once you declared no conflict; never the complainant"
    )
    record: dict[str, Any] | None = Field(
        description="After closing: attendance, the count, each member's vote and opinion"
    )


class DeclarationRequest(Request):
    conflict: Literal[
        "none", "relative", "coauthor", "supervisor_student", "same_institution", "other"
    ]
    note: Text | None = None


class CorrectionRequest(Request):
    """A member who declared no conflict declares one before voting: it recuses them."""

    conflict: Literal["relative", "coauthor", "supervisor_student", "same_institution", "other"]
    note: Text | None = None


class AdviceRequest(Request):
    opinion: Text


class VoteRequest(Request):
    choice: Literal["endorse", "return", "abstain"]
    opinion: Text


class CloseRequest(Request):
    """The chair may record attendance (member id → `present` / `absent`) and minutes in
    the same call; the count then decides."""

    attendance: dict[int, Literal["present", "absent"]] | None = None
    minutes: LongText | None = None
    reasons: Text | None = Field(None, description="The panel's reasons; required for a return")


NO_REVIEW = {
    403: "You are recused from this review",
    404: "No review with this id is yours",
}
STEP_ERRORS = {
    **BAD_BODY,
    **NO_REVIEW,
    403: "Not the chair (`not_allowed`)",
    409: "Closed review, already declared, not declared, already voted, absent, a "
    "consultant's vote (`consultant_no_vote`), or the count does not decide (`no_quorum`, "
    "`categories_absent`, `no_majority`, `no_attendance`)",
}


def _part(review, member, user) -> dict:
    return {
        "declared": member.declared_at is not None,
        "conflict": (member.conflict.value if member.conflict else "none")
        if member.declared_at
        else None,
        "recused": member.recused,
        "chair": is_chair(review, user),
        "consultant": is_consultant(member),
        "choice": member.choice.value if member.choice else None,
        "opinion": member.opinion,
        "vote_changes": member.vote_changes,
    }


def _item(review, member, user) -> dict:
    return {**review_summary(review), "mine": _part(review, member, user)}


def review_out(review, member, user) -> dict:
    closed = review.status.value == "closed"
    return {
        **_item(review, member, user),
        "package": review_package(review) if sees_package(member) else None,
        "record": review_record(review) if closed else None,
    }


def _review(review_id: int, need: str = "member"):
    return get_review_or_404(review_id, current(), need=need)


@operation(
    bp,
    "/reviews",
    "GET",
    "List your reviews: to declare, to vote and decided (recused ones left out)",
    response=ReviewList,
)
def list_reviews():
    user = current()
    rows = [row for box in inbox(user).values() for row in box]  # every box, one query
    return respond(ReviewList, {"items": [_item(r, m, user) for r, m in rows]})


@operation(bp, "/reviews/{review_id}", "GET", "Read a review", response=ReviewOut, errors=NO_REVIEW)
def get_review(review_id: int):
    review, member = _review(review_id)
    return respond(ReviewOut, review_out(review, member, current()))


@operation(
    bp,
    "/reviews/{review_id}/declaration",
    "POST",
    "Declare no conflict, or a conflict (which recuses you)",
    body=DeclarationRequest,
    response=ReviewOut,
    errors=STEP_ERRORS,
)
def declare_review(review_id: int):
    review, member = _review(review_id)
    body = parse_body(DeclarationRequest)
    declare(current(), review, body.conflict, body.note)
    db.session.commit()
    return respond(ReviewOut, review_out(review, member, current()))


@operation(
    bp,
    "/reviews/{review_id}/declaration/correction",
    "POST",
    "Correct a declaration of no conflict before voting: the conflict recuses you at once",
    body=CorrectionRequest,
    response=ReviewOut,
    errors=STEP_ERRORS,
)
def correct_review_declaration(review_id: int):
    review, member = _review(review_id)
    body = parse_body(CorrectionRequest)
    correct_declaration(current(), review, body.conflict, body.note)
    db.session.commit()
    return respond(ReviewOut, review_out(review, member, current()))


@operation(
    bp,
    "/reviews/{review_id}/advice",
    "POST",
    "A consultant's advisory opinion (never a vote); rewriting it changes it until closing",
    body=AdviceRequest,
    response=ReviewOut,
    errors=STEP_ERRORS,
)
def advise_review(review_id: int):
    review, member = _review(review_id)
    body = parse_body(AdviceRequest)
    write_advice(current(), review, body.opinion)
    db.session.commit()
    return respond(ReviewOut, review_out(review, member, current()))


@operation(
    bp,
    "/reviews/{review_id}/vote",
    "POST",
    "Vote with a written opinion; a second vote changes the first until closing",
    body=VoteRequest,
    response=ReviewOut,
    errors=STEP_ERRORS,
)
def vote_review(review_id: int):
    review, member = _review(review_id)
    body = parse_body(VoteRequest)
    cast_vote(current(), review, body.choice, body.opinion)
    db.session.commit()
    return respond(ReviewOut, review_out(review, member, current()))


@operation(
    bp,
    "/reviews/{review_id}/close",
    "POST",
    "Close the review (chair): the panel's rule counts, and the outcome moves the case",
    body=CloseRequest,
    response=ReviewOut,
    errors=STEP_ERRORS,
)
def close_review_api(review_id: int):
    review, member = _review(review_id, need="chair")
    body = parse_body(CloseRequest)
    if body.attendance is not None or body.minutes is not None:
        attendance = {int(k): v for k, v in (body.attendance or {}).items()}
        if body.attendance is None:
            attendance = {m.id: m.attendance.value for m in review.members if m.attendance}
        record_meeting(current(), review, attendance, body.minutes or review.minutes)
    close_review(current(), review, body.reasons)
    db.session.commit()
    return respond(ReviewOut, review_out(review, member, current()))
