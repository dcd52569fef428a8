"""API v1 endpoints for transfers (移送): offer, list, read, accept, refuse, withdraw."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    Field,
    StringConstraints,
)

from app.api import bp
from app.api.handling import (
    BAD_BODY,
    NOT_FOUND,
    current,
    parse_body,
    parse_query,
    respond,
)
from app.api.schemas import Request, Text, Timestamp
from app.api.spec import operation
from app.cases.models import (
    CaseTransfer,
)
from app.cases.permissions import get_case_or_404
from app.cases.transfers import (
    accept_transfer,
    get_transfer_or_404,
    incoming_transfers,
    refuse_transfer,
    sent_transfers,
    transfer_case,
    withdraw_transfer,
)
from app.extensions import db


class TransferCreate(Request):
    """Offer the case to another agency; it waits in `transfer_pending` for their answer."""

    target_agency: Annotated[str, StringConstraints(min_length=1, max_length=8)]
    reason: Text
    identity_travels: bool = Field(False, description="Whether the complainant identity goes")
    version: int | None = Field(None, description="The case version the client last read")


class TransferAnswer(Request):
    reason: Text | None = Field(None, description="Required to refuse; optional to withdraw")


class TransferListQuery(Request):
    direction: Literal["incoming", "sent"] = Field(
        "incoming", description="`incoming`: waiting for your agency's answer; `sent`: yours"
    )


class TransferOut(BaseModel):
    id: int
    state: Literal["pending", "accepted", "refused", "withdrawn"]
    from_agency: str
    to_agency: str
    sender_reference: str
    receiver_reference: str | None
    title: str
    reason: str
    identity_travels: bool
    sent_at: Timestamp
    answered_at: Timestamp | None
    answer_reason: str | None


class TransferList(BaseModel):
    items: list[TransferOut]


NO_TRANSFER = {404: "No transfer with this id is visible to you"}
ANSWER_ERRORS = {
    **BAD_BODY,
    **NO_TRANSFER,
    403: "Not yours to answer (`not_allowed`)",
    409: "Already answered or withdrawn (`transfer_answered`), or `stale_version`",
}


def transfer_out(t: CaseTransfer) -> dict:
    """What either side may know of a transfer: never the case content or any identity."""
    return {
        "id": t.id,
        "state": t.state.value,
        "from_agency": t.from_agency.code,
        "to_agency": t.to_agency.code,
        "sender_reference": t.sender_reference,
        "receiver_reference": t.receiver_reference,
        "title": t.title,
        "reason": t.reason,
        "identity_travels": t.identity_travels,
        "sent_at": t.sent_at,
        "answered_at": t.answered_at,
        "answer_reason": t.answer_reason,
    }


@operation(
    bp,
    "/transfers",
    "GET",
    "List transfers waiting for your agency's answer, or those your agency sent",
    query=TransferListQuery,
    response=TransferList,
    errors={422: "Invalid query parameter (`invalid_input`)"},
)
def list_transfers():
    q = parse_query(TransferListQuery)
    user = current()
    items = incoming_transfers(user) if q.direction == "incoming" else sent_transfers(user)
    return respond(TransferList, {"items": [transfer_out(t) for t in items]})


@operation(
    bp,
    "/cases/{reference}/transfer",
    "POST",
    "Offer a case in preliminary review to another agency",
    body=TransferCreate,
    response=TransferOut,
    status=201,
    errors={
        **BAD_BODY,
        **NOT_FOUND,
        403: "Only a supervisor of the owning agency transfers (`not_allowed`)",
        409: "`illegal_transition`, `stale_version` or `guard_failed`",
    },
)
def create_transfer(reference: str):
    case = get_case_or_404(reference, current())
    body = parse_body(TransferCreate)
    transfer = transfer_case(
        case,
        current(),
        target_agency=body.target_agency,
        reason=body.reason,
        identity_travels=body.identity_travels,
        expected_version=body.version,
    )
    db.session.commit()
    return respond(TransferOut, transfer_out(transfer), status=201)


@operation(
    bp,
    "/transfers/{transfer_id}",
    "GET",
    "Read a transfer",
    response=TransferOut,
    errors=NO_TRANSFER,
)
def get_transfer(transfer_id: int):
    return respond(TransferOut, transfer_out(_transfer(transfer_id)))


def _transfer(transfer_id: int) -> CaseTransfer:
    return get_transfer_or_404(transfer_id, current())


def _answer(transfer_id: int, action) -> object:
    transfer = _transfer(transfer_id)
    body = parse_body(TransferAnswer)
    action(transfer, body.reason)
    db.session.commit()
    return respond(TransferOut, transfer_out(transfer))


@operation(
    bp,
    "/transfers/{transfer_id}/accept",
    "POST",
    "Accept a transfer: the case becomes your agency's, with a new reference",
    body=TransferAnswer,
    response=TransferOut,
    errors=ANSWER_ERRORS,
)
def accept_transfer_api(transfer_id: int):
    return _answer(transfer_id, lambda t, _reason: accept_transfer(t, current()))


@operation(
    bp,
    "/transfers/{transfer_id}/refuse",
    "POST",
    "Refuse a transfer with a reason: the case returns to the sender",
    body=TransferAnswer,
    response=TransferOut,
    errors=ANSWER_ERRORS,
)
def refuse_transfer_api(transfer_id: int):
    return _answer(transfer_id, lambda t, reason: refuse_transfer(t, current(), reason))


@operation(
    bp,
    "/transfers/{transfer_id}/withdraw",
    "POST",
    "Withdraw your agency's transfer before it is answered",
    body=TransferAnswer,
    response=TransferOut,
    errors=ANSWER_ERRORS,
)
def withdraw_transfer_api(transfer_id: int):
    return _answer(transfer_id, lambda t, reason: withdraw_transfer(t, current(), reason))
