"""Files between nodes (`app.exchange.files`) inside one deployment, the test acting as a
peer with its own key: a registered source serves a file it says the peer may have, over
a signed request; unsigned, badly signed, replayed and unknown-peer requests, sources not
registered and files the source refuses answer a problem, never the file."""

from __future__ import annotations

import datetime as dt

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.core.node import b64, init_node, public_key_text
from app.exchange.files import ServedFile, file_path, next_attempt, register_file_source
from app.exchange.services import add_peer
from app.exchange.tasks import BACKOFF_SECONDS

PEER = "node-files-peer"
SHA = "b" * 64
served_to: list[str] = []


def _serve(peer, key: str, sha256: str):
    from flask import current_app

    from app.evidence import storage

    if peer.node_id != PEER or key != "activity:1" or sha256 != SHA:
        return None
    served_to.append(peer.node_id)
    path = storage.store_root() / "served-test.bin"
    path.write_bytes(current_app.config["SECRET_KEY"][:8].encode())
    return ServedFile(path, path.stat().st_size)


@pytest.fixture
def peer(db, app):
    with app.app_context():
        init_node("node-test")
    register_file_source("test_source", _serve)
    key = Ed25519PrivateKey.generate()
    add_peer(PEER, "http://127.0.0.1:9", public_key_text(key.public_key()))
    db.session.commit()
    return key


def _signed(key, path: str, node: str = PEER) -> dict:
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    message = rfc8785.dumps({"method": "GET", "path": path, "node": node, "at": stamp})
    return {"X-YRD-Node": node, "X-YRD-Timestamp": stamp, "X-YRD-Signature": b64(key.sign(message))}


def test_a_listed_file_is_streamed_to_its_peer_once_per_signature(client, app, peer):
    path = file_path("test_source", "activity:1", SHA)
    headers = _signed(peer, path)
    response = client.get(path, headers=headers)
    assert response.status_code == 200
    assert response.data == app.config["SECRET_KEY"][:8].encode()
    assert response.headers["X-YRD-Content-SHA256"] == SHA
    assert served_to[-1] == PEER
    again = client.get(path, headers=headers)
    assert (again.status_code, again.json["code"]) == (401, "replayed_request")


@pytest.mark.parametrize(
    ("source", "key", "sha256", "status", "code"),
    [
        ("test_source", "activity:2", SHA, 404, "unknown_file"),  # the source says no
        ("test_source", "activity:1", "c" * 64, 404, "unknown_file"),
        ("no_source", "activity:1", SHA, 404, "unknown_file"),
        ("test_source", "activity:1", "B" * 64, 404, "unknown_file"),  # not a digest
    ],
)
def test_files_not_listed_are_refused(client, peer, source, key, sha256, status, code):
    before = len(served_to)
    path = file_path(source, key, sha256)
    response = client.get(path, headers=_signed(peer, path))
    assert (response.status_code, response.json["code"]) == (status, code)
    assert len(served_to) == before


def test_unsigned_forged_and_unknown_requests_are_refused(client, peer):
    path = file_path("test_source", "activity:1", SHA)
    assert client.get(path).json["code"] == "unsigned_request"
    other = file_path("test_source", "activity:1", "c" * 64)
    assert client.get(path, headers=_signed(peer, other)).json["code"] == "bad_signature"
    stranger = Ed25519PrivateKey.generate()
    assert client.get(path, headers=_signed(stranger, path)).json["code"] == "bad_signature"
    unknown = client.get(path, headers=_signed(stranger, path, node="node-unknown"))
    assert (unknown.status_code, unknown.json["code"]) == (403, "unknown_peer")


def test_registration_is_idempotent_and_names_are_checked(peer):
    register_file_source("test_source", _serve)
    with pytest.raises(ValueError, match="differently"):
        register_file_source("test_source", lambda *a: None)
    with pytest.raises(ValueError):
        register_file_source("bad/name", _serve)


def test_retries_follow_the_outbox_backoff():
    now = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
    waits = [(next_attempt(n, now) - now).total_seconds() for n in (1, 2, 6, 50)]
    assert waits == [
        BACKOFF_SECONDS[0],
        BACKOFF_SECONDS[1],
        BACKOFF_SECONDS[5],
        BACKOFF_SECONDS[-1],
    ]
