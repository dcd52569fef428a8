"""The exchange refuses what it must: a replayed signed pull, an envelope whose `issued_at`
is no timestamp; and pulling pages stays correct with a node's own unsigned versions and
with a peer whose cursor does not move."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from app.cases.models import CaseState
from app.core import envelopes
from app.core.models import utcnow
from app.core.node import b64, init_node, public_key_text
from app.exchange import tasks
from app.exchange.models import SeenRequest
from app.exchange.services import add_peer
from app.records.models import IntegrityRecord, RecordVersion
from app.records.services import approve_record, draft_record, suggested_draft
from tests.statements import counted

PEER = "node-strict-peer"


@pytest.fixture
def key_dir(app, tmp_path):
    saved = app.config["EXCHANGE_KEY_DIR"]
    app.config["EXCHANGE_KEY_DIR"] = str(tmp_path / "exchange")
    yield
    app.config["EXCHANGE_KEY_DIR"] = saved


@pytest.fixture
def peer_key(db, key_dir):
    init_node("node-strict")
    key = Ed25519PrivateKey.generate()
    add_peer(PEER, "http://127.0.0.1:9", public_key_text(key.public_key()))
    db.session.commit()
    return key


def signed_headers(key, path: str, stamp: str | None = None) -> dict[str, str]:
    stamp = stamp or envelopes.now_iso()
    message = rfc8785.dumps({"method": "GET", "path": path, "node": PEER, "at": stamp})
    return {"X-YRD-Node": PEER, "X-YRD-Timestamp": stamp, "X-YRD-Signature": b64(key.sign(message))}


def record_envelope(key, record_id: str, issued_at: str) -> dict:
    body = {
        "protocol": envelopes.PROTOCOL,
        "kind": "record",
        "sender": PEER,
        "record_id": record_id,
        "version": 1,
        "issued_at": issued_at,
        "payload": {
            "status": "active",
            "subject": {"name": "吴刚", "matching_hash": "a" * 64},
            "deciding_agency": "浙江省科学技术厅",
            "effective_date": "2026-05-01",
            "term_end": "2099-05-01",
        },
    }
    body["signature"] = b64(key.sign(envelopes.canonical(body)))
    return body


def test_a_signed_pull_is_answered_once(client, db, peer_key):
    path = "/api/exchange/v1/records?since=0&limit=10"
    headers = signed_headers(peer_key, path)
    assert client.get(path, headers=headers).status_code == 200
    replay = client.get(path, headers=headers)
    assert (replay.status_code, replay.json["code"]) == (401, "replayed_request")
    assert replay.content_type == "application/problem+json"
    fresh = signed_headers(peer_key, path, stamp=envelopes.now_iso().replace("Z", ".5Z"))
    assert client.get(path, headers=fresh).status_code == 200


def test_remembered_signatures_are_pruned_once_expired(client, db, peer_key):
    db.session.add(
        SeenRequest(
            signature_sha256="0" * 64,
            node_id=PEER,
            expires_at=utcnow() - dt.timedelta(seconds=1),
        )
    )
    db.session.commit()
    path = "/api/exchange/v1/records?since=0"
    assert client.get(path, headers=signed_headers(peer_key, path)).status_code == 200
    rows = db.session.scalars(select(SeenRequest)).all()
    assert len(rows) == 1 and rows[0].signature_sha256 != "0" * 64
    assert rows[0].expires_at > utcnow().replace(tzinfo=rows[0].expires_at.tzinfo)


def test_two_pullers_sharing_a_second_are_not_replays(db, peer_key):
    from app.exchange.envelopes import sign_request

    first, second = sign_request("GET", "/x"), sign_request("GET", "/x")
    assert first["X-YRD-Signature"] != second["X-YRD-Signature"]


@pytest.mark.parametrize(
    "issued_at",
    [
        "xxxxxxxxxxxxxxxxxxxx",
        "2026-13-01T00:00:00Z",
        "2026-05-01T08:00:00",  # no zone
        "2026-05-01 08:00:00+08:00",  # not RFC 3339's T
        "1999-05-01T08:00:00Z",
        "2999-05-01T08:00:00Z",
    ],
)
def test_an_envelope_whose_issued_at_is_no_sane_timestamp_is_refused(
    client, db, peer_key, issued_at
):
    body = record_envelope(peer_key, "rec-time", issued_at)
    response = client.post("/api/exchange/v1/envelopes", json=body)
    assert (response.status_code, response.json["code"]) == (422, "malformed_envelope")
    assert "issued_at" in response.json["detail"]
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(IntegrityRecord)
            .where(IntegrityRecord.record_uid == "rec-time")
        )
        == 0
    )


def test_rfc3339_offsets_and_fractions_are_accepted(client, db, peer_key):
    body = record_envelope(peer_key, "rec-time-ok", "2026-05-01T08:00:00.250+08:00")
    response = client.post("/api/exchange/v1/envelopes", json=body)
    assert response.status_code == 200, response.json


def test_a_page_is_full_even_after_versions_published_before_the_key(
    app, client, db, make_case, make_user, tmp_path
):
    """Versions published before the node had a key are unsigned until `flask exchange
    init` signs them; a page skips them without coming back short."""
    saved = app.config["EXCHANGE_KEY_DIR"]
    app.config["EXCHANGE_KEY_DIR"] = str(tmp_path / "exchange")
    try:
        admin = make_user("SH", roles=("agency_admin",))

        def publish():
            case = make_case(state=CaseState.decided)
            record = draft_record(case, case.created_by, suggested_draft(case, case.respondents[0]))
            approve_record(record, admin)
            db.session.commit()

        publish()
        publish()
        init_node("node-strict")  # the key alone, as before `exchange init` signed anything
        publish()
        publish()
        key = Ed25519PrivateKey.generate()
        add_peer(PEER, "http://127.0.0.1:9", public_key_text(key.public_key()))
        db.session.commit()
        path = "/api/exchange/v1/records?since=0&limit=2"
        page = client.get(path, headers=signed_headers(key, path)).json
        ids = db.session.scalars(select(RecordVersion.id).order_by(RecordVersion.id)).all()
        assert len(page["envelopes"]) == 2 and page["next"] == ids[3]
        path = f"/api/exchange/v1/records?since={page['next']}&limit=2"
        rest = client.get(path, headers=signed_headers(key, path)).json
        assert rest == {"envelopes": [], "next": ids[3]}
    finally:
        app.config["EXCHANGE_KEY_DIR"] = saved


class JsonPeer(BaseHTTPRequestHandler):
    """A peer's HTTP side in these tests: answers JSON and logs nothing."""

    def answer(self, status: int, payload) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class StuckPeer(JsonPeer):
    """A peer that answers every pull with the same full page and a cursor that never
    moves; after 20 requests it fails, so a puller that loops is caught, not hung."""

    page: dict = {}
    requests = 0

    def do_GET(self):
        type(self).requests += 1
        ok = type(self).requests <= 20
        self.answer(200 if ok else 500, type(self).page if ok else {"code": "enough"})


@contextlib.contextmanager
def served_peer(db, key, handler: type[BaseHTTPRequestHandler]):
    """This node ("node-strict") and a registered peer holding `key`, its register served by
    `handler` on a loopback port until the block ends."""
    init_node("node-strict")
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        peer = add_peer(PEER, url, public_key_text(key.public_key()))
        db.session.commit()
        yield peer
    finally:
        server.shutdown()
        server.server_close()


def test_a_peer_whose_cursor_does_not_advance_ends_the_pull(db, key_dir, caplog):
    key = Ed25519PrivateKey.generate()
    with served_peer(db, key, StuckPeer) as peer:
        StuckPeer.requests = 0
        StuckPeer.page = {
            "envelopes": [
                record_envelope(key, f"rec-stuck-{n}", envelopes.now_iso()) for n in range(2)
            ],
            "next": 0,
        }
        with caplog.at_level(logging.WARNING, logger="yrd.exchange"):
            stored = tasks.pull_from_peer(peer.id, page_size=2)
        assert stored == 2 and StuckPeer.requests == 1
        assert "did not advance the cursor" in caplog.text


class EndlessPeer(StuckPeer):
    """A peer whose full pages never end, each advancing the cursor."""

    envelopes: list = []
    requests = 0

    def do_GET(self):
        from urllib.parse import parse_qs, urlparse

        since = int(parse_qs(urlparse(self.path).query)["since"][0])
        type(self).page = {"envelopes": type(self).envelopes, "next": since + 2}
        super().do_GET()


def test_a_pull_is_bounded_per_run(db, key_dir, caplog, monkeypatch):
    key = Ed25519PrivateKey.generate()
    with served_peer(db, key, EndlessPeer) as peer:
        EndlessPeer.requests = 0
        EndlessPeer.envelopes = [
            record_envelope(key, f"rec-endless-{n}", envelopes.now_iso()) for n in range(2)
        ]
        monkeypatch.setattr(tasks, "MAX_PULL_PAGES", 5)
        with caplog.at_level(logging.WARNING, logger="yrd.exchange"):
            tasks.pull_from_peer(peer.id, page_size=2)
        assert EndlessPeer.requests == 5 and "stopped after 5 pages" in caplog.text
        assert db.session.get(type(peer), peer.id).pull_cursor == 10  # the next run goes on


def test_a_pulled_page_is_stored_as_one_batch_and_its_refusals_skipped(db, key_dir, caplog):
    """A page of the peer's register is received as a batch: every good envelope stored
    (two versions of one record in order, the newer current), a forged and a malformed one
    logged and skipped, and what was stored counted."""
    key = Ed25519PrivateKey.generate()
    with served_peer(db, key, StuckPeer) as peer:
        stamp = envelopes.now_iso()
        first = record_envelope(key, "rec-page-a", stamp)
        second = {**first, "version": 2, "payload": {**first["payload"], "status": "revoked"}}
        second.pop("signature")
        second["signature"] = b64(key.sign(envelopes.canonical(second)))
        forged = record_envelope(Ed25519PrivateKey.generate(), "rec-page-b", stamp)
        other = record_envelope(key, "rec-page-c", stamp)
        StuckPeer.requests = 0
        StuckPeer.page = {"envelopes": [first, forged, second, 5, other, first], "next": 6}
        warnings = caplog.at_level(logging.WARNING, logger="yrd.exchange")
        with counted(db.engine, savepoints=False) as statements, warnings:
            stored = tasks.pull_from_peer(peer.id, page_size=10)
        assert stored == 3 and StuckPeer.requests == 1
        # the peer and its cursor (three), and the batch's few statements whatever the page's
        # size: the record locks (PostgreSQL), the stored versions, the sender, the new
        # records, their versions and the supervisors to tell
        assert len(statements) <= 9, " | ".join(s[:40] for s in statements)
        assert "bad_signature" in caplog.text and "malformed_envelope" in caplog.text
        held = {
            uid: (version, status)
            for uid, version, status in db.session.execute(
                select(
                    IntegrityRecord.record_uid,
                    IntegrityRecord.current_version,
                    IntegrityRecord.status,
                ).where(IntegrityRecord.record_uid.like("rec-page-%"))
            )
        }
        assert held == {"rec-page-a": (2, "revoked"), "rec-page-c": (1, "active")}
        versions = db.session.scalar(
            select(func.count())
            .select_from(RecordVersion)
            .join(IntegrityRecord)
            .where(IntegrityRecord.record_uid.like("rec-page-%"))
        )
        assert versions == 3
        assert db.session.get(type(peer), peer.id).pull_cursor == 6


class PagedPeer(JsonPeer):
    """A peer's register in pages (`pages`, by cursor), each answer's `next` the cursor after
    it; a request for any page but the first is announced (`asked`)."""

    pages: dict = {}
    requests: list = []
    asked = threading.Event()

    def do_GET(self):
        from urllib.parse import parse_qs, urlparse

        since = int(parse_qs(urlparse(self.path).query)["since"][0])
        type(self).requests.append(since)
        if since:
            type(self).asked.set()
        items = type(self).pages.get(since, [])
        self.answer(200, {"envelopes": items, "next": since + len(items)})


def _paged_register(key) -> dict:
    """Two full pages of two and a short one of one."""
    stamp = envelopes.now_iso()
    found = [record_envelope(key, f"rec-paged-{n}", stamp) for n in range(5)]
    return {0: found[0:2], 2: found[2:4], 4: found[4:]}


def test_the_next_page_is_fetched_while_a_page_is_received(db, key_dir, monkeypatch):
    """Catching up, the peer is asked for the next page before this node stores the page
    it holds: each page's receiving waits, here, until the next page has been asked for."""
    key = Ed25519PrivateKey.generate()
    PagedPeer.pages, PagedPeer.requests = _paged_register(key), []
    PagedPeer.asked = threading.Event()
    accept, waited = tasks._accept_pulled, []

    def receiving(node_id, items):
        if len(items) == 2:  # a full page: the next one is asked for meanwhile
            waited.append(PagedPeer.asked.wait(timeout=10))
            PagedPeer.asked.clear()
        return accept(node_id, items)

    monkeypatch.setattr(tasks, "_accept_pulled", receiving)
    with served_peer(db, key, PagedPeer) as peer:
        stored = tasks.pull_from_peer(peer.id, page_size=2)
        # the third page is short: nothing is asked for after it
        assert waited == [True, True] and PagedPeer.requests == [0, 2, 4]
        assert stored == 5 and db.session.get(type(peer), peer.id).pull_cursor == 5


def test_a_page_that_is_not_stored_leaves_the_cursor_before_it(db, key_dir, monkeypatch):
    """Receiving the second page fails: the first page and its cursor stay stored, the
    second page's versions are not, and the page fetched meanwhile is left unread."""
    key = Ed25519PrivateKey.generate()
    PagedPeer.pages, PagedPeer.requests = _paged_register(key), []
    accept = tasks._accept_pulled

    def receiving(node_id, items):
        if items[0]["record_id"] == "rec-paged-2":
            raise tasks.DeliveryFailed("the database went away")
        return accept(node_id, items)

    monkeypatch.setattr(tasks, "_accept_pulled", receiving)
    with served_peer(db, key, PagedPeer) as peer, pytest.raises(tasks.DeliveryFailed):
        tasks.pull_from_peer(peer.id, page_size=2)
    db.session.rollback()
    assert db.session.get(type(peer), peer.id).pull_cursor == 2
    uids = db.session.scalars(
        select(IntegrityRecord.record_uid).where(IntegrityRecord.record_uid.like("rec-paged-%"))
    ).all()
    assert sorted(uids) == ["rec-paged-0", "rec-paged-1"]
    assert PagedPeer.requests == [0, 2, 4]  # the third page was already asked for
