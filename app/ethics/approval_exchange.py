"""Approvals known region-wide: each change of one of this node's approvals (decided,
suspended, terminated, renewed by a follow-up, closed) travels to every active peer as a
signed `ethics_approval` envelope of the exchange (`app.exchange.kinds`), and a peer's
envelope is kept for the approval look-up (`app.ethics.approvals`).

`record_id` is the approval's region-wide number (`app.ethics.approval_numbers`), which
must carry the sender's node id (a number of another node, or one naming another approval
the receiver knows, is refused: 409 `number_conflict`, nothing stored); `version` counts
this node's announcements of that number to that peer (1, 2, ...); the body is
`approvals.approval_announcement` — the number, committee, unit, province, title, decision,
dates and status, never the application's material. Which statement is newest is decided
by its `as_of`, so a late retry of an older version changes nothing."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select

from app.extensions import db

KIND = "ethics_approval"


class ApprovalPayload(BaseModel):
    """The envelope's shape; `approvals.parse_announcement` checks every member in full."""

    model_config = ConfigDict(extra="forbid", strict=True)

    number: str
    committee: str
    unit: str
    province: str
    title: str
    decision: str
    decided_on: str
    valid_until: str | None
    status: str
    status_since: str
    as_of: str


def register() -> None:
    from app.ethics.lookup import approval_changed
    from app.exchange.kinds import register_envelope_kind

    register_envelope_kind(KIND, payload=ApprovalPayload, store=store_approval)
    approval_changed.register(announce, key="ethics.approval_exchange")


def store_approval(shape, peer, envelope: dict, sha: str) -> str:
    """A peer's announcement: kept when newer, "duplicate" when it changes nothing; a body
    the look-up's own check refuses, or a number that is not the peer's, is refused,
    nothing stored."""
    from app.ethics.approvals import NumberConflict, store_announced_approval
    from app.exchange.receive import ExchangeRefused

    try:
        result = store_announced_approval(peer.node_id, envelope["payload"])
    except NumberConflict as exc:
        raise ExchangeRefused(409, "number_conflict", "Approval number conflict", str(exc)) from exc
    except ValueError as exc:
        raise ExchangeRefused(422, "malformed_envelope", "Malformed envelope", str(exc)) from exc
    return "stored" if result in ("created", "updated") else "duplicate"


def announce(application) -> list[int]:
    """Sends the approval's current statement to every active peer; returns the outbox
    rows. Nothing when this node has not joined the exchange."""
    from app.core import node
    from app.ethics.approvals import approval_announcement
    from app.exchange.models import ExchangePeer, OutboundEnvelope
    from app.exchange.outbox import send_envelope

    if not node.is_initialised():
        return []
    peers = db.session.scalars(select(ExchangePeer).where(ExchangePeer.active.is_(True))).all()
    if not peers:
        return []
    payload: dict[str, Any] = approval_announcement(application)
    sent = []
    for peer in peers:
        latest = db.session.scalar(
            select(func.max(OutboundEnvelope.version)).where(
                OutboundEnvelope.peer_id == peer.id,
                OutboundEnvelope.kind == KIND,
                OutboundEnvelope.key == payload["number"],
            )
        )
        row = send_envelope(peer.id, KIND, payload["number"], (latest or 0) + 1, payload)
        sent.append(row.id)
    return sent
