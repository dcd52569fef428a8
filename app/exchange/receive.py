"""The receiving side of the protocol: verify, store idempotently, answer with a receipt.

A refusal raises `ExchangeRefused` with a stable code before anything is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field

import rfc8785
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


@dataclass
class Intake:
    """What one request already knows: peers by node id, and the records and versions its
    envelopes name, loaded in two queries up front so a batch costs a few statements in all.
    Versions added during the request are noted here as they are added."""

    peers: dict[str, ExchangePeer | None] = field(default_factory=dict)
    records: dict[str, IntegrityRecord | None] = field(default_factory=dict)
    versions: dict[tuple[str, int], tuple[str, dict]] = field(default_factory=dict)

    def prefetch(self, items: list) -> Intake:
        uids = list(
            {
                e["record_id"]
                for e in items
                if isinstance(e, dict) and _short_str(e.get("record_id"))
            }
        )
        for start in range(0, len(uids), 500):
            chunk = uids[start : start + 500]
            for record in db.session.scalars(
                select(IntegrityRecord).where(IntegrityRecord.record_uid.in_(chunk))
            ):
                self.records[record.record_uid] = record
            rows = db.session.execute(
                select(
                    IntegrityRecord.record_uid,
                    RecordVersion.version,
                    RecordVersion.envelope_sha256,
                    RecordVersion.envelope,
                )
                .join(RecordVersion.record)
                .where(IntegrityRecord.record_uid.in_(chunk))
            )
            for uid, version, sha, stored in rows:
                self.versions[(uid, version)] = (sha, stored.get("payload"))
        for uid in uids:
            self.records.setdefault(uid, None)
        return self

    def peer(self, node_id: str) -> ExchangePeer | None:
        if node_id not in self.peers:
            self.peers[node_id] = db.session.scalar(
                select(ExchangePeer).where(ExchangePeer.node_id == node_id, ExchangePeer.active)
            )
        return self.peers[node_id]


def _short_str(value) -> bool:
    """A plausible record id to look up; anything else is refused by the shape check later."""
    return isinstance(value, str) and envelopes.ID_PATTERN.fullmatch(value) is not None


def authenticate(
    envelope: dict, intake: Intake
) -> tuple[envelopes.EnvelopeShape, ExchangePeer, str]:
    """Shape, then sender, then signature: the cheap checks refuse junk before any crypto.
    Returns the shape, the peer and the SHA-256 of the canonical form."""
    try:
        shape = envelopes.check_shape(envelope)
        canonical = envelopes.canonical(envelope)
    except envelopes.MalformedEnvelope as exc:
        raise ExchangeRefused(422, "malformed_envelope", "Malformed envelope", str(exc)) from exc
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise ExchangeRefused(
            422, "malformed_envelope", "Malformed envelope", f"not canonicalisable: {exc}"
        ) from exc
    peer = intake.peer(shape.sender)
    if peer is None:
        raise ExchangeRefused(
            403, "unknown_peer", "Unknown peer", f"no active peer is registered as {shape.sender!r}"
        )
    if not envelopes.verify_canonical(canonical, envelope["signature"], peer_key(peer)):
        raise ExchangeRefused(
            401, "bad_signature", "Bad signature", "the signature does not match the peer's key"
        )
    return shape, peer, hashlib.sha256(canonical).hexdigest()


def peer_key(peer: ExchangePeer):
    cache_key = (peer.node_id, peer.public_key)
    if cache_key not in _key_cache:
        _key_cache[cache_key] = load_public_key(peer.public_key)
    return _key_cache[cache_key]


def accept(envelope: dict, intake: Intake | None = None) -> dict:
    """Stores one envelope (record version or recognition); returns the signed receipt.

    Refusals happen before anything is added to the session, so a batch needs no savepoint
    per envelope; a concurrent duplicate surfaces as IntegrityError at commit and the caller
    retries, finding the stored version."""
    intake = intake or Intake().prefetch([envelope])
    shape, peer, sha = authenticate(envelope, intake)
    if shape.kind == "record":
        result = store_record_version(shape, peer, envelope, sha, intake)
    elif shape.kind == "recognition":
        result = store_recognition(shape, peer, envelope)
    else:
        raise ExchangeRefused(422, "unexpected_kind", "Unexpected kind", "receipts are not sent")
    return receipt_for(envelope, result, sha)


def receipt_for(envelope: dict, result: str, sha: str | None = None) -> dict:
    return envelopes.seal(
        "receipt",
        envelope["record_id"],
        envelope["version"],
        {
            "envelope_sha256": sha or envelopes.digest(envelope),
            "result": result,
            "of": envelope["kind"],
        },
    )


def store_record_version(
    shape, peer: ExchangePeer, envelope: dict, sha: str, intake: Intake
) -> str:
    """Returns "stored", "duplicate" (same version again: nothing changes) or "stale" (an
    older version after a newer one: kept in the history, the newer one stays current)."""
    record = intake.records.get(shape.record_id)
    if record is not None and record.origin_node != shape.sender:
        raise ExchangeRefused(
            409, "not_origin", "Not the origin", "the record belongs to another node"
        )
    known = intake.versions.get((shape.record_id, shape.version))
    if known is not None:
        if known[0] == sha or known[1] == shape.payload:
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
        intake.records[shape.record_id] = record
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
    intake.versions[(shape.record_id, shape.version)] = (sha, payload)
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
