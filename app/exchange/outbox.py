"""Sending envelopes of guest kinds (`app.exchange.kinds`): sealed here, kept in the outbox
with their delivery state, pushed with the same backoff and periodic retry as record
versions, and done once the peer's signed receipt names exactly what was sent."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select

from app.core import envelopes
from app.core.models import utcnow
from app.exchange.kinds import guest_kind
from app.exchange.models import DeliveryStatus, ExchangePeer, OutboundEnvelope
from app.exchange.tasks import enqueue, push
from app.extensions import db


def send_envelope(peer_id: int, kind: str, key: str, version: int, payload: dict):
    """Seals and queues one envelope for one peer; returns the outbox row (flushed). The
    push runs as a job: with Redis after the caller's commit, without it at once."""
    if guest_kind(kind) is None:
        raise ValueError(f"envelope kind {kind!r} is not registered")
    envelope = envelopes.seal(kind, key, version, payload)
    row = OutboundEnvelope(
        peer_id=peer_id,
        kind=kind,
        key=key,
        version=version,
        envelope=envelope,
        envelope_sha256=envelopes.digest(envelope),
        status=DeliveryStatus.pending,
        attempts=0,
    )
    db.session.add(row)
    db.session.flush()
    enqueue(deliver_envelope, row.id, description=f"deliver {kind} {key} v{version}")
    return row


def deliver_envelope(outbox_id: int) -> str:
    row = db.session.get(OutboundEnvelope, outbox_id)
    if row is None or row.status == DeliveryStatus.delivered:
        return "nothing to do"
    return push(row, row.envelope, row.peer)


def retry_due_envelopes(now: dt.datetime | None = None) -> int:
    """Periodic: hands every undelivered, due envelope back to the queue."""
    now = now or utcnow()
    due = db.session.scalars(
        select(OutboundEnvelope.id)
        .join(ExchangePeer)
        .where(
            ExchangePeer.active,
            OutboundEnvelope.status != DeliveryStatus.delivered,
            or_(
                OutboundEnvelope.next_attempt_at.is_(None),
                OutboundEnvelope.next_attempt_at <= now,
            ),
        )
        .order_by(OutboundEnvelope.id)
        .limit(1000)
    ).all()
    db.session.commit()
    for outbox_id in due:
        enqueue(deliver_envelope, outbox_id)
    return len(due)


def delivery_states(ids) -> dict[int, OutboundEnvelope]:
    """The outbox rows by id, for a guest's page showing where its envelopes are."""
    ids = [i for i in ids if i is not None]
    if not ids:
        return {}
    rows = db.session.scalars(select(OutboundEnvelope).where(OutboundEnvelope.id.in_(ids)))
    return {row.id: row for row in rows}
