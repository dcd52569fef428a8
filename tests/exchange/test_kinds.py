"""The registration point for envelope kinds: a guest kind is received with the same
protocol, signature check and signed receipt as records; its own payload model and store
decide the rest; records' kinds are not re-registrable; sending goes through the outbox
with retries."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import BaseModel, ConfigDict, Field

from app.core import envelopes
from app.core.node import b64, public_key_text
from app.exchange import outbox
from app.exchange.kinds import register_envelope_kind, registered
from app.exchange.models import DeliveryStatus, ExchangePeer, OutboundEnvelope
from app.exchange.receive import ExchangeRefused
from app.exchange.services import add_peer
from tests.exchange.test_api import node  # noqa: F401  (fixture)

PEER = "node-guest-peer"
STORED: list[tuple[str, int, str]] = []


class NotePayload(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=50)


def store_note(shape, peer, envelope, sha) -> str:
    if shape.payload["text"] == "refuse me":
        raise ExchangeRefused(404, "unknown_thing", "Unknown thing", "no such thing here")
    key = (shape.record_id, shape.version, shape.payload["text"])
    if key in STORED:
        return "duplicate"
    STORED.append(key)
    return "stored"


def note_receipt(envelope, result) -> dict:
    return {"noted": result}


def _register():
    return register_envelope_kind(
        "test_note", payload=NotePayload, store=store_note, receipt=note_receipt
    )


@pytest.fixture
def guest(db, node):  # noqa: F811
    _register()
    STORED.clear()
    key = Ed25519PrivateKey.generate()
    add_peer(PEER, "http://127.0.0.1:9", public_key_text(key.public_key()))
    db.session.commit()
    return key


def _sealed(key, payload, kind="test_note", version=1) -> dict:
    body = {
        "protocol": envelopes.PROTOCOL,
        "kind": kind,
        "sender": PEER,
        "record_id": "thing-1",
        "version": version,
        "issued_at": envelopes.now_iso(),
        "payload": payload,
    }
    body["signature"] = b64(key.sign(envelopes.canonical(body)))
    return body


def test_registration_is_idempotent_and_guards_records_kinds():
    assert _register() == _register()
    assert "test_note" in registered()
    for name in ("record", "recognition", "receipt", "bad kind!"):
        with pytest.raises(ValueError):
            register_envelope_kind(name, payload=NotePayload, store=store_note)
    with pytest.raises(ValueError):
        register_envelope_kind("test_note", payload=NotePayload, store=lambda *a: "stored")


def test_a_guest_kind_is_received_with_a_signed_receipt(client, guest):
    good = _sealed(guest, {"text": "hello"})
    answer = client.post("/api/exchange/v1/envelopes", json=good)
    assert answer.status_code == 200, answer.get_json()
    receipt = answer.get_json()["receipt"]
    assert receipt["kind"] == "receipt" and receipt["payload"]["of"] == "test_note"
    assert receipt["payload"]["result"] == "stored" and receipt["payload"]["noted"] == "stored"
    again = client.post("/api/exchange/v1/envelopes", json=good).get_json()
    assert again["receipt"]["payload"]["result"] == "duplicate"
    tampered = {**good, "payload": {"text": "changed"}}
    unknown_kind = _sealed(guest, {"text": "x"}, kind="no_such_kind")
    bad_payload = _sealed(guest, {"text": "x", "extra": 1})
    refused_by_guest = _sealed(guest, {"text": "refuse me"})
    for body, status, code in (
        (tampered, 401, "bad_signature"),
        (unknown_kind, 422, "malformed_envelope"),
        (bad_payload, 422, "malformed_envelope"),
        (refused_by_guest, 404, "unknown_thing"),
    ):
        response = client.post("/api/exchange/v1/envelopes", json=body)
        assert (response.status_code, response.get_json()["code"]) == (status, code)
    assert STORED == [("thing-1", 1, "hello")]


def test_the_outbox_keeps_a_failed_push_for_the_retry(db, app, guest):
    from sqlalchemy import select

    peer = db.session.scalar(select(ExchangePeer).where(ExchangePeer.node_id == PEER))
    with pytest.raises(ValueError):
        outbox.send_envelope(peer.id, "no_such_kind", "thing-2", 1, {"text": "x"})
    row = outbox.send_envelope(peer.id, "test_note", "thing-2", 1, {"text": "unreachable"})
    db.session.commit()
    row = db.session.get(OutboundEnvelope, row.id)
    assert row.status == DeliveryStatus.failed and row.attempts == 1 and row.last_error
    assert envelopes.digest(row.envelope) == row.envelope_sha256
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    assert outbox.retry_due_envelopes(now=later) == 1
    assert db.session.get(OutboundEnvelope, row.id).attempts == 2
