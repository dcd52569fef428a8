"""The receiving side of the protocol: verify, store idempotently, answer with a receipt.

A refusal raises `ExchangeRefused` with a stable code before anything is stored.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select

from app.exchange import envelopes
from app.exchange.models import (
    ExchangePeer,
    IntegrityRecord,
    Recognition,
    RecognitionDecision,
    RecordStatus,
    RecordVersion,
)
from app.exchange.node import load_public_key
from app.extensions import db

log = logging.getLogger("yrd.exchange")


class ExchangeRefused(Exception):
    def __init__(self, status: int, code: str, title: str, detail: str | None = None):
        super().__init__(f"{code}: {detail or title}")
        self.status, self.code, self.title, self.detail = status, code, title, detail


_key_cache: dict[tuple[str, str], object] = {}


def authenticate(
    envelope: dict, peers: dict | None = None
) -> tuple[envelopes.EnvelopeShape, ExchangePeer]:
    """Shape, then sender, then signature: the cheap checks refuse junk before any crypto.
    `peers` caches the sender lookup across the envelopes of one batch."""
    try:
        shape = envelopes.check_shape(envelope)
    except envelopes.MalformedEnvelope as exc:
        raise ExchangeRefused(422, "malformed_envelope", "Malformed envelope", str(exc)) from exc
    peers = {} if peers is None else peers
    if shape.sender not in peers:
        peers[shape.sender] = db.session.scalar(
            select(ExchangePeer).where(ExchangePeer.node_id == shape.sender, ExchangePeer.active)
        )
    peer = peers[shape.sender]
    if peer is None:
        raise ExchangeRefused(
            403, "unknown_peer", "Unknown peer", f"no active peer is registered as {shape.sender!r}"
        )
    if not envelopes.verify(envelope, peer_key(peer)):
        raise ExchangeRefused(
            401, "bad_signature", "Bad signature", "the signature does not match the peer's key"
        )
    return shape, peer


def peer_key(peer: ExchangePeer):
    cache_key = (peer.node_id, peer.public_key)
    if cache_key not in _key_cache:
        _key_cache[cache_key] = load_public_key(peer.public_key)
    return _key_cache[cache_key]


def accept(envelope: dict, peers: dict | None = None) -> dict:
    """Stores one envelope (record version or recognition); returns the signed receipt.

    Refusals happen before anything is added to the session, so a batch needs no savepoint
    per envelope; a concurrent duplicate surfaces as IntegrityError at flush/commit and the
    caller retries, finding the stored version."""
    shape, peer = authenticate(envelope, peers)
    if shape.kind == "record":
        result = store_record_version(shape, peer, envelope)
    elif shape.kind == "recognition":
        result = store_recognition(shape, peer, envelope)
    else:
        raise ExchangeRefused(422, "unexpected_kind", "Unexpected kind", "receipts are not sent")
    return receipt_for(envelope, result)


def receipt_for(envelope: dict, result: str) -> dict:
    return envelopes.seal(
        "receipt",
        envelope["record_id"],
        envelope["version"],
        {"envelope_sha256": envelopes.digest(envelope), "result": result, "of": envelope["kind"]},
    )


def store_record_version(shape, peer: ExchangePeer, envelope: dict) -> str:
    """Returns "stored", "duplicate" (same version again: nothing changes) or "stale" (an
    older version after a newer one: kept in the history, the newer one stays current)."""
    record = db.session.scalar(
        select(IntegrityRecord).where(IntegrityRecord.record_uid == shape.record_id)
    )
    if record is not None and record.origin_node != shape.sender:
        raise ExchangeRefused(
            409, "not_origin", "Not the origin", "the record belongs to another node"
        )
    sha = envelopes.digest(envelope)
    if record is not None:
        existing = db.session.scalar(
            select(RecordVersion).where(
                RecordVersion.record_id == record.id, RecordVersion.version == shape.version
            )
        )
        if existing is not None:
            if existing.envelope_sha256 == sha or existing.envelope["payload"] == shape.payload:
                return "duplicate"
            raise ExchangeRefused(
                409,
                "version_conflict",
                "Version conflict",
                "this version was received before with different content",
            )
    payload = shape.payload
    if record is None:
        record = IntegrityRecord(
            record_uid=shape.record_id,
            origin_node=shape.sender,
            is_local=False,
            peer_id=peer.id,
            current_version=0,
        )
        db.session.add(record)
    stale = shape.version < record.current_version
    if not stale:
        _apply_payload(record, shape.version, payload)
    db.session.add(
        RecordVersion(
            record=record,
            version=shape.version,
            is_local=False,
            status=RecordStatus(payload["status"]),
            envelope=envelope,
            envelope_sha256=sha,
            reason=payload.get("revocation_reason"),
        )
    )
    return "stale" if stale else "stored"


def _apply_payload(record: IntegrityRecord, version: int, payload: dict) -> None:
    subject = payload["subject"]
    record.current_version = version
    record.payload = payload
    record.subject_name = subject["name"][:200]
    record.subject_hash = subject.get("matching_hash")
    record.subject_id_masked = (subject.get("id_masked") or None) and subject["id_masked"][:40]
    record.deciding_agency = payload["deciding_agency"][:200]
    record.effective_date = dt.date.fromisoformat(str(payload["effective_date"]))
    term_end = payload.get("term_end")
    record.term_end = dt.date.fromisoformat(str(term_end)) if term_end else None
    record.lifetime = bool(payload.get("lifetime"))
    status = RecordStatus(payload["status"])
    if status == RecordStatus.active and record.term_end and record.term_end < dt.date.today():
        status = RecordStatus.expired
    record.status = status


def store_recognition(shape, peer: ExchangePeer, envelope: dict) -> str:
    """A peer's agency reports its decision on one of our records; a later one replaces it."""
    record = db.session.scalar(
        select(IntegrityRecord).where(
            IntegrityRecord.record_uid == shape.record_id, IntegrityRecord.is_local
        )
    )
    if record is None:
        raise ExchangeRefused(404, "unknown_record", "Unknown record", "no such record here")
    payload = shape.payload
    row = db.session.scalar(
        select(Recognition).where(
            Recognition.record_id == record.id,
            Recognition.peer_id == peer.id,
            Recognition.agency_code == payload["agency_code"],
        )
    )
    decided_at = _parse_time(payload["decided_at"])
    if row is not None and _aware(row.decided_at) >= decided_at:
        return "duplicate"
    if row is None:
        row = Recognition(record=record, peer_id=peer.id, agency_code=payload["agency_code"])
        db.session.add(row)
    row.agency_name = payload.get("agency_name") or ""
    row.version = shape.version
    row.decision = RecognitionDecision(payload["decision"])
    row.modified_terms = payload.get("modified_terms")
    row.reason = payload.get("reason")
    row.decided_at = decided_at
    db.session.flush()
    from app.core import audit

    audit.record(
        "record.recognition_received",
        obj=record,
        agency_id=record.agency_id,
        details={"peer": peer.node_id, "agency": row.agency_code, "decision": row.decision.value},
    )
    return "stored"


def _parse_time(text: str) -> dt.datetime:
    try:
        return _aware(dt.datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError as exc:
        raise ExchangeRefused(
            422, "malformed_envelope", "Malformed envelope", "decided_at is not a time"
        ) from exc


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def verify_receipt(receipt: dict, peer: ExchangePeer, envelope: dict) -> bool:
    """A receipt counts only if the peer signed it and it names exactly what we sent."""
    try:
        envelopes.check_shape(receipt)
    except envelopes.MalformedEnvelope:
        return False
    return (
        receipt.get("kind") == "receipt"
        and receipt.get("sender") == peer.node_id
        and receipt["payload"].get("envelope_sha256") == envelopes.digest(envelope)
        and envelopes.verify(receipt, peer_key(peer))
    )
