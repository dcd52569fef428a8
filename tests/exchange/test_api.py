"""The exchange API inside one deployment, with the test acting as a peer holding its own real
key: ordering, batches, pull cursors, and schemathesis over the OpenAPI document."""

from __future__ import annotations

import json

import pytest
import schemathesis
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from sqlalchemy import func, select

from app.core import envelopes
from app.core.node import b64, init_node, public_key_text
from app.core.node import identity as node_identity
from app.exchange.services import add_peer
from app.records.models import IntegrityRecord, RecordStatus, RecordVersion
from tests.statements import counted

PEER = "node-peer"


@pytest.fixture
def node(app) -> str:
    """The test node's id: "node-test", unless an earlier test file initialised the shared
    key folder under another id (init is once per key folder)."""
    with app.app_context():
        return init_node("node-test")[0]


@pytest.fixture
def peer(db, node):
    key = Ed25519PrivateKey.generate()
    add_peer(PEER, "http://127.0.0.1:9", public_key_text(key.public_key()))
    db.session.commit()
    return key


def envelope(key, record_id: str, version: int, status: str = "active", **changes) -> dict:
    body = {
        "protocol": envelopes.PROTOCOL,
        "kind": "record",
        "sender": PEER,
        "record_id": record_id,
        "version": version,
        "issued_at": envelopes.now_iso(),
        "payload": {
            "status": status,
            "subject": {"name": "吴刚", "matching_hash": "a" * 64, "id_masked": "3101****0000"},
            "deciding_agency": "浙江省科学技术厅",
            "effective_date": "2026-05-01",
            "term_end": "2099-05-01",
            "lifetime": False,
            "conduct": "数据造假",
        },
        **changes,
    }
    body["signature"] = b64(key.sign(envelopes.canonical(body)))
    return body


def versions(db, uid: str) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(RecordVersion)
        .join(IntegrityRecord)
        .where(IntegrityRecord.record_uid == uid)
    )


def test_older_version_after_newer_does_not_overwrite(client, db, peer):
    v2 = envelope(peer, "rec-order", 2, status="revoked")
    v1 = envelope(peer, "rec-order", 1)
    assert (
        client.post("/api/exchange/v1/envelopes", json=v2).json["receipt"]["payload"]["result"]
        == "stored"
    )
    receipt = client.post("/api/exchange/v1/envelopes", json=v1).json["receipt"]
    assert receipt["payload"]["result"] == "stale"
    record = db.session.scalar(
        select(IntegrityRecord).where(IntegrityRecord.record_uid == "rec-order")
    )
    assert record.status == RecordStatus.revoked and record.current_version == 2
    assert versions(db, "rec-order") == 2


def test_same_version_with_other_content_is_a_conflict(client, db, peer):
    client.post("/api/exchange/v1/envelopes", json=envelope(peer, "rec-c", 1))
    other = envelope(peer, "rec-c", 1, status="revoked")
    response = client.post("/api/exchange/v1/envelopes", json=other)
    assert (response.status_code, response.json["code"]) == (409, "version_conflict")
    assert versions(db, "rec-c") == 1


def test_batch_gives_one_result_per_envelope(client, db, peer):
    good = envelope(peer, "rec-b1", 1)
    bad = {**envelope(peer, "rec-b2", 1), "version": 5}  # signed over version 1
    response = client.post(
        "/api/exchange/v1/envelopes/batch", json={"envelopes": [good, bad, good]}
    )
    results = response.json["results"]
    assert results[0]["receipt"]["payload"]["result"] == "stored"
    assert results[1]["problem"]["code"] == "bad_signature"
    assert results[2]["receipt"]["payload"]["result"] == "duplicate"
    assert versions(db, "rec-b1") == 1 and versions(db, "rec-b2") == 0
    empty = client.post("/api/exchange/v1/envelopes/batch", json={"envelopes": []})
    assert empty.status_code == 422 and empty.json["code"] == "malformed_batch"


def test_a_batch_checked_and_signed_on_every_core_answers_each_envelope_in_its_place(
    client, db, peer
):
    """A batch large enough for its signatures to be checked and its receipts signed in
    parallel (`envelopes.PARALLEL_FROM`), with bad signatures, an unknown sender and a
    malformed envelope spread through it: each result stands where its envelope stood, and
    every receipt verifies under this node's key over its own content."""
    stranger = Ed25519PrivateKey.generate()
    batch, expected = [], []
    for n in range(3 * envelopes.PARALLEL_FROM):
        item = envelope(peer, f"rec-many-{n:03d}", 1)
        if n % 7 == 3:
            item, code = {**item, "version": 2}, "bad_signature"  # signed over version 1
        elif n % 11 == 5:
            item, code = envelope(stranger, f"rec-many-{n:03d}", 1), "bad_signature"
        elif n % 13 == 6:
            item, code = {**item, "sender": "node-unknown"}, "unknown_peer"
        elif n % 17 == 8:
            item, code = {k: v for k, v in item.items() if k != "payload"}, "malformed_envelope"
        else:
            code = None
        batch.append(item)
        expected.append(code)
    response = client.post("/api/exchange/v1/envelopes/batch", json={"envelopes": batch})
    assert response.status_code == 200
    results = response.json["results"]
    assert [r.get("problem", {}).get("code") for r in results] == expected
    public = node_identity()[1].public_key()
    for item, result in zip(batch, results, strict=True):
        if "receipt" not in result:
            continue
        receipt = result["receipt"]
        assert envelopes.verify(receipt, public)
        assert (receipt["record_id"], receipt["payload"]["result"]) == (item["record_id"], "stored")
        assert receipt["payload"]["envelope_sha256"] == envelopes.digest(item)
    stored = db.session.scalar(
        select(func.count())
        .select_from(IntegrityRecord)
        .where(IntegrityRecord.record_uid.like("rec-many-%"))
    )
    assert stored == expected.count(None) > 0


def test_batch_with_several_versions_of_a_record_answers_as_one_by_one(client, db, peer):
    """Versions of a new record out of order, newer versions of a stored one, and a replay,
    all in one batch: the same results and rows as sending them one per request."""
    client.post("/api/exchange/v1/envelopes", json=envelope(peer, "rec-kept", 1))
    batch = [
        envelope(peer, "rec-fresh", 2, status="revoked"),
        envelope(peer, "rec-fresh", 1),
        envelope(peer, "rec-kept", 2, status="revoked"),
        envelope(peer, "rec-kept", 3),
    ]
    response = client.post(
        "/api/exchange/v1/envelopes/batch", json={"envelopes": [*batch, batch[0]]}
    )
    results = [r["receipt"]["payload"]["result"] for r in response.json["results"]]
    assert results == ["stored", "stale", "stored", "stored", "duplicate"]
    fresh, kept = (
        db.session.scalar(select(IntegrityRecord).where(IntegrityRecord.record_uid == uid))
        for uid in ("rec-fresh", "rec-kept")
    )
    assert (fresh.status, fresh.current_version) == (RecordStatus.revoked, 2)
    assert (kept.status, kept.current_version) == (RecordStatus.active, 3)
    assert fresh.peer_id is not None and fresh.origin_node == PEER and not fresh.is_local
    assert versions(db, "rec-fresh") == 2 and versions(db, "rec-kept") == 3
    stored = db.session.scalars(
        select(RecordVersion).where(RecordVersion.record_id == fresh.id).order_by("version")
    ).all()
    assert [(v.version, v.status) for v in stored] == [
        (1, RecordStatus.active),
        (2, RecordStatus.revoked),
    ]
    assert stored[1].envelope == batch[0]


def test_a_batch_of_new_records_stores_the_rows_one_per_request_would(client, db, peer):
    """Several new records in one batch are written as one statement a table on PostgreSQL
    (their rows read from one JSON document) and as an executemany on SQLite: every column
    of the records and versions is what sending each envelope alone writes, and versions
    are numbered in the batch's order."""
    changes = {"note": "依据复核意见", "severity": "serious", "publish_until": "2030-01-01"}

    def made(uid: str, version: int = 1) -> dict:
        item = envelope(peer, uid, version, status="revoked" if version == 2 else "active")
        item["payload"].update(changes)
        item["payload"]["subject"]["name"] = f"吴刚-{uid}"
        del item["signature"]
        item["signature"] = b64(peer.sign(envelopes.canonical(item)))
        return item

    alone = client.post("/api/exchange/v1/envelopes", json=made("rec-alone"))
    assert alone.json["receipt"]["payload"]["result"] == "stored"
    batch = [made(f"rec-bulk-{n}") for n in range(5)] + [made("rec-bulk-0", 2)]
    response = client.post("/api/exchange/v1/envelopes/batch", json={"envelopes": batch})
    results = [r["receipt"]["payload"]["result"] for r in response.json["results"]]
    assert results == ["stored"] * 6

    skipped = {"id", "record_uid", "subject_name", "created_at", "updated_at", "payload"}

    def row(uid: str) -> tuple[dict, list[dict]]:
        record = db.session.scalar(select(IntegrityRecord).where(IntegrityRecord.record_uid == uid))
        columns = {
            c.key: getattr(record, c.key)
            for c in IntegrityRecord.__table__.columns
            if c.key not in skipped
        }
        held = db.session.scalars(
            select(RecordVersion).where(RecordVersion.record_id == record.id).order_by("version")
        ).all()
        kept = [
            {"version": v.version, "status": v.status, "reason": v.reason, "local": v.is_local}
            for v in held
        ]
        return {**columns, "subject": record.payload["subject"]}, kept

    expected, expected_versions = row("rec-alone")
    expected["subject"] = {**expected["subject"], "name": None}
    assert expected["status"] == RecordStatus.active and expected["peer_id"] is not None
    assert expected_versions == [
        {"version": 1, "status": RecordStatus.active, "reason": "依据复核意见", "local": False}
    ]
    for n in range(1, 5):
        columns, held = row(f"rec-bulk-{n}")
        assert columns["subject"]["name"] == f"吴刚-rec-bulk-{n}"
        assert {**columns, "subject": {**columns["subject"], "name": None}} == expected
        assert held == expected_versions
    first, twice = row("rec-bulk-0")
    assert (first["status"], first["current_version"]) == (RecordStatus.revoked, 2)
    assert [v["status"] for v in twice] == [RecordStatus.active, RecordStatus.revoked]
    numbered = db.session.scalars(
        select(IntegrityRecord.record_uid)
        .join(RecordVersion)
        .where(IntegrityRecord.record_uid.like("rec-bulk-%"))
        .order_by(RecordVersion.id)
    ).all()
    assert numbered == [item["record_id"] for item in batch]


def test_wrong_content_type_and_unsigned_pull(client, peer):
    response = client.post("/api/exchange/v1/envelopes", data="x", content_type="text/plain")
    assert response.status_code == 415 and response.json["code"] == "unsupported_media_type"
    pull = client.get("/api/exchange/v1/records?since=0")
    assert pull.status_code == 401 and pull.content_type == "application/problem+json"


def test_pull_with_a_signed_request_pages_by_cursor(client, db, peer, app, monkeypatch):
    from app.core import node as node_module

    # The peer signs its request with its own key: sign as the peer, verify as this node.
    path = "/api/exchange/v1/records?since=0&limit=10"
    stamp = envelopes.now_iso()
    import rfc8785

    message = rfc8785.dumps({"method": "GET", "path": path, "node": PEER, "at": stamp})
    headers = {
        "X-YRD-Node": PEER,
        "X-YRD-Timestamp": stamp,
        "X-YRD-Signature": b64(peer.sign(message)),
    }
    response = client.get(path, headers=headers)
    assert response.status_code == 200 and "envelopes" in response.json
    headers["X-YRD-Signature"] = b64(peer.sign(message + b"x"))
    assert client.get(path, headers=headers).json["code"] == "bad_signature"
    assert node_module.is_initialised()


def test_openapi_document_describes_the_protocol(client, node):
    document = client.get("/api/exchange/v1/openapi.json").json
    assert document["openapi"].startswith("3.")
    assert "/api/exchange/v1/envelopes" in document["paths"]
    assert "RFC 8785" in json.dumps(document)


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_exchange_api_never_answers_5xx(app, node, mode):
    """Generated valid and invalid requests to every operation get 2xx or a 4xx problem."""
    schema = schemathesis.openapi.from_wsgi("/api/exchange/v1/openapi.json", app)
    seen = []

    @given(case=schema.as_strategy(generation_mode=GenerationMode(mode)))
    @settings(
        max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def run(case):
        response = case.call_and_validate(checks=[not_a_server_error])
        seen.append(response.status_code)

    run()
    assert seen and max(seen) < 500


def test_cli_initialises_the_node_and_registers_peers(app, db, node):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["exchange", "init"])
    assert result.exit_code == 0 and f"node {node}" in result.output
    assert "public key:" in result.output
    bad = runner.invoke(args=["exchange", "add-peer", "node-js", "http://js.example", "short"])
    assert bad.exit_code != 0 and "Ed25519" in bad.output
    key = _public_key_where(lambda text: text[0].isalnum())
    good = runner.invoke(args=["exchange", "add-peer", "node-js", "http://js.example/", key])
    assert good.exit_code == 0, good.output
    response = app.test_client().get("/.well-known/yrd-node").json
    assert response["node_id"] == node and "private" not in json.dumps(response).lower()


def _public_key_where(wanted) -> str:
    """The first key from seeds 1, 2, … whose base64url text is `wanted`: the same key every
    run, where a generated one begins with "-" once in 64 runs."""
    for seed in range(1, 100_000):
        key = Ed25519PrivateKey.from_private_bytes(seed.to_bytes(32, "big")).public_key()
        if wanted(public_key_text(key)):
            return public_key_text(key)
    raise AssertionError("no such key among the first seeds")


@pytest.mark.parametrize("prefix", ["-", "--"])
def test_the_cli_takes_a_peer_key_that_begins_with_a_dash_as_the_key(app, db, node, prefix):
    """One base64url key in 64 begins with "-", one in 4096 with "--"; an operator pastes it
    as it is, or after "--"."""
    from app.exchange.models import ExchangePeer

    key = _public_key_where(lambda text: text.startswith(prefix) and text[len(prefix)] != "-")
    runner = app.test_cli_runner()
    for name, before in (("node-dash", []), ("node-after-dashes", ["--"])):
        args = ["exchange", "add-peer", name, "http://peer.example", *before, key]
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
        stored = db.session.scalar(select(ExchangePeer).where(ExchangePeer.node_id == name))
        assert stored.public_key == key


def test_an_amended_version_replaces_the_terms_and_keeps_its_reason(client, db, peer):
    first = envelope(peer, "rec-amend", 1)
    amended_payload = {
        **first["payload"],
        "term_end": "2030-05-01",
        "outcome": "复查后变更",
        "amendment_reason": "复查缩短期限",
    }
    second = envelope(peer, "rec-amend", 2, payload=amended_payload)
    for body in (first, second):
        receipt = client.post("/api/exchange/v1/envelopes", json=body).json["receipt"]
        assert receipt["payload"]["result"] == "stored"
    record = db.session.scalar(
        select(IntegrityRecord).where(IntegrityRecord.record_uid == "rec-amend")
    )
    assert record.current_version == 2 and record.term_end.isoformat() == "2030-05-01"
    assert record.status == RecordStatus.active and record.payload["outcome"] == "复查后变更"
    latest = max(record.versions, key=lambda v: v.version)
    assert latest.reason == "复查缩短期限"


def test_a_recognition_of_an_earlier_version_asks_to_be_reviewed(
    client, db, peer, make_user, login
):
    from app.records.services import record_recognition

    first = envelope(peer, "rec-recog", 1)
    client.post("/api/exchange/v1/envelopes", json=first)
    record = db.session.scalar(
        select(IntegrityRecord).where(IntegrityRecord.record_uid == "rec-recog")
    )
    supervisor = make_user("SH", roles=("supervisor",))
    record_recognition(record, supervisor, "recognise")
    db.session.commit()
    amended = {**first["payload"], "term_end": "2031-01-01", "amendment_reason": "复查变更"}
    client.post("/api/exchange/v1/envelopes", json=envelope(peer, "rec-recog", 2, payload=amended))
    login(supervisor)
    page = client.get(f"/records/{record.id}").get_data(as_text=True)
    assert 'data-testid="recognition-outdated"' in page
    assert 'data-testid="recognition-review"' in page and "复查变更" in page
    client.post(f"/records/{record.id}/recognition", data={"decision": "recognise"})
    again = client.get(f"/records/{record.id}").get_data(as_text=True)
    assert 'data-testid="recognition-review"' not in again
    assert 'data-testid="recognition-outdated"' not in again


def test_a_received_record_asks_each_agencys_supervisors_to_decide_on_recognition(
    client, db, peer, make_user
):
    from app.core.extension_points import badge_count
    from app.notifications.models import Notification
    from app.records.services import record_recognition

    sh, js = make_user("SH", roles=("supervisor",)), make_user("JS", roles=("supervisor",))
    officer = make_user("SH", roles=("officer",))
    db.session.commit()
    client.post("/api/exchange/v1/envelopes", json=envelope(peer, "rec-handoff", 1))
    record = db.session.scalar(
        select(IntegrityRecord).where(IntegrityRecord.record_uid == "rec-handoff")
    )
    told = {
        n.user_id: n
        for n in db.session.scalars(
            select(Notification).where(Notification.kind == "record.received")
        )
    }
    assert sh.id in told and js.id in told and officer.id not in told
    assert "吴刚" not in told[sh.id].text  # the record's subject is not in the notification
    assert badge_count("records.record_list", sh) >= 1
    before = badge_count("records.record_list", sh)
    client.post("/api/exchange/v1/envelopes", json=envelope(peer, "rec-handoff", 1))
    assert (
        db.session.scalar(
            select(func.count()).select_from(Notification).where(Notification.user_id == sh.id)
        )
        == 1
    )  # a duplicate tells nobody again
    record_recognition(record, sh, "recognise")
    db.session.flush()
    db.session.refresh(told[sh.id])
    db.session.refresh(told[js.id])
    assert not told[sh.id].is_todo and told[js.id].is_todo  # JS has still to decide
    assert badge_count("records.record_list", sh) == before - 1


def test_receiving_one_envelope_costs_the_same_few_statements_however_many_agencies_and_supervisors(
    client, db, peer, make_user
):
    """The supervisors every agency here must tell are read in one statement, not one per
    agency (the per-request path paid five more before: the receive benchmark's regression)."""
    from app.notifications.models import Notification

    statements: list[str] = []

    def receive(uid: str) -> int:
        with counted(db.engine) as ran:
            response = client.post("/api/exchange/v1/envelopes", json=envelope(peer, uid, 1))
        statements[:] = ran
        assert response.status_code == 200, response.data
        return len([s for s in statements if s.upper().startswith("SELECT")])

    receive("rec-count-0")  # the peer's key is read: later first versions take one statement
    nobody = receive("rec-count-1")
    for code in ("SH", "JS", "ZJ", "AH"):
        make_user(code, roles=("supervisor",))
    db.session.commit()
    with_supervisors = receive("rec-count-2")
    # the peer, the stored versions and the supervisors (none), or on PostgreSQL one statement
    # storing the record and reading the supervisors, which is not a SELECT
    assert nobody <= 4
    # telling them reads the new record's row, not the supervisors of each agency apart
    assert with_supervisors == nobody + 1, " | ".join(s[:40] for s in statements)
    told = db.session.scalars(
        select(Notification.user_id).where(Notification.kind == "record.received")
    ).all()
    assert len(told) == 4


def test_one_new_envelope_costs_five_statements_at_most(client, db, peer):
    """The per-request path: the peer (taking the record's lock on PostgreSQL in the same
    statement), the stored versions, the record, the version and the supervisors to tell;
    the receipt and the refusals add none."""
    with counted(db.engine, savepoints=False) as stored:
        response = client.post("/api/exchange/v1/envelopes", json=envelope(peer, "rec-five", 1))
    unknown = envelope(peer, "rec-five-x", 1, sender="node-nobody")
    with counted(db.engine, savepoints=False) as statements:
        refused = client.post("/api/exchange/v1/envelopes", json=unknown)
    assert response.status_code == 200, response.data
    assert len(stored) <= 5, " | ".join(s[:50] for s in stored)
    assert refused.status_code == 403 and refused.json["code"] == "unknown_peer"
    assert len(statements) == 1  # the peer only: no record read, no lock waited for


def test_a_new_records_first_version_is_one_statement_once_the_peers_key_is_known(client, db, peer):
    """On PostgreSQL the first version of a record not seen before is stored, with the
    record and the supervisors to tell, in one statement that checks the sender's key is
    still the one last read (no lock, no lookup); SQLite takes the usual path."""
    client.post("/api/exchange/v1/envelopes", json=envelope(peer, "rec-once-0", 1))
    with counted(db.engine, savepoints=False) as once:
        first = client.post("/api/exchange/v1/envelopes", json=envelope(peer, "rec-once-1", 1))
    with counted(db.engine, savepoints=False) as statements:
        again = client.post("/api/exchange/v1/envelopes", json=envelope(peer, "rec-once-1", 1))
    assert first.json["receipt"]["payload"]["result"] == "stored"
    assert again.json["receipt"]["payload"]["result"] == "duplicate"
    assert versions(db, "rec-once-1") == 1
    if db.engine.dialect.name == "postgresql":
        assert len(once) == 1 and once[0].startswith("WITH"), once
        # a stored record's version 1 again: the one statement stores nothing, then as ever
        assert len(statements) == 2, " | ".join(s[:50] for s in statements)
    record = db.session.scalar(
        select(IntegrityRecord).where(IntegrityRecord.record_uid == "rec-once-1")
    )
    assert (record.status, record.current_version, record.is_local) == (
        RecordStatus.active,
        1,
        False,
    )
    assert record.peer_id is not None and record.draft == {} and record.approval_log == []


def test_a_peer_given_a_new_key_or_deactivated_is_refused_at_once(client, db, peer):
    """The key a process read last is only a guess the storing statement checks: once the
    peer has a new key, an envelope signed with the old one is refused and one signed with
    the new one stored; once deactivated, the peer is unknown."""
    from app.exchange.models import ExchangePeer

    client.post("/api/exchange/v1/envelopes", json=envelope(peer, "rec-rekey-0", 1))
    row = db.session.scalar(select(ExchangePeer).where(ExchangePeer.node_id == PEER))
    new_key = Ed25519PrivateKey.generate()
    row.public_key = public_key_text(new_key.public_key())
    db.session.commit()
    old = client.post("/api/exchange/v1/envelopes", json=envelope(peer, "rec-rekey-1", 1))
    assert old.status_code == 401 and old.json["code"] == "bad_signature"
    assert versions(db, "rec-rekey-1") == 0
    renewed = client.post("/api/exchange/v1/envelopes", json=envelope(new_key, "rec-rekey-2", 1))
    assert renewed.json["receipt"]["payload"]["result"] == "stored"
    row.active = False
    db.session.commit()
    gone = client.post("/api/exchange/v1/envelopes", json=envelope(new_key, "rec-rekey-3", 1))
    assert gone.status_code == 403 and gone.json["code"] == "unknown_peer"
    assert versions(db, "rec-rekey-3") == 0


@pytest.mark.parametrize(
    "where",
    [
        lambda e: e["payload"].update(conduct="数据\x00造假"),
        lambda e: e["payload"]["subject"].update(name="吴\x00刚"),
        lambda e: e["payload"].update({"no\x00te": "x"}),
        lambda e: e["payload"].update(tags=["a", ["b\x00"]]),
    ],
)
def test_a_nul_character_anywhere_is_refused_and_nothing_stored(client, db, peer, where):
    body = envelope(peer, "rec-nul", 1)
    where(body)
    body["signature"] = b64(peer.sign(envelopes.canonical(body)))
    response = client.post("/api/exchange/v1/envelopes", json=body)
    assert response.status_code == 422 and response.json["code"] == "malformed_envelope"
    assert "U+0000" in response.json["detail"]
    assert versions(db, "rec-nul") == 0


def test_the_text_backslash_u0000_is_not_a_nul_character(client, db, peer):
    """Its canonical JSON holds the very escape the NUL check looks for first (the text's
    backslash escaped, then u0000): the envelope is walked, found clean, and stored."""
    body = envelope(peer, "rec-not-nul", 1)
    body["payload"]["conduct"] = "literally \\u0000"
    body["signature"] = b64(peer.sign(envelopes.canonical(body)))
    assert b"\\u0000" in envelopes.canonical(body)
    response = client.post("/api/exchange/v1/envelopes", json=body)
    assert response.status_code == 200, response.data
    assert versions(db, "rec-not-nul") == 1
