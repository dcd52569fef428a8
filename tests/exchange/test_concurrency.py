"""Peers retrying and overlapping: several batches naming the same records at the same moment,
and one envelope whose record another request changes while it waits for the record's lock.

Every request must answer 200 with a receipt per envelope, and each version must be stored
exactly once, whatever order the transactions commit in. The data must be committed to be
seen across threads, so this uses the `committed` fixture rather than the rolled-back `db`.
"""

from __future__ import annotations

import json
import random
import threading
import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select, text

from app.core.node import init_node, public_key_text
from app.exchange.receive import LOCK_CLASS, _bucket
from app.exchange.services import add_peer
from app.records.models import IntegrityRecord, RecordVersion
from tests.exchange.test_api import PEER, envelope
from tests.worker_support import committed  # noqa: F401

THREADS = 6
RECORDS = 40


def _all_at_once(app, path: str, bodies: list, timeout: float) -> list[tuple[int, dict]]:
    """Posts each body from a thread of its own, all released at the same moment; the
    (status, JSON) answers in the bodies' order. A thread's exception fails the test."""
    barrier = threading.Barrier(len(bodies))
    answers: list = [None] * len(bodies)
    errors: list[BaseException] = []

    def send(n: int) -> None:
        try:
            client = app.test_client()
            barrier.wait(timeout=30)
            response = client.post(path, json=bodies[n])
            answers[n] = (response.status_code, response.get_json())
        except BaseException as exc:  # reported below, in the test's own thread
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert errors == []
    return answers


def test_overlapping_batches_store_each_version_once(app, committed):  # noqa: F811
    init_node("node-test")
    key = Ed25519PrivateKey.generate()
    add_peer(PEER, "http://127.0.0.1:9", public_key_text(key.public_key()))
    committed.session.commit()
    pool = [
        envelope(key, f"rec-race-{n:03d}", version, status="revoked" if version == 2 else "active")
        for n in range(RECORDS)
        for version in (1, 2)
    ]
    batches = []
    for seed in range(THREADS):
        chosen = random.Random(seed).sample(pool, k=len(pool) * 2 // 3)
        batches.append(chosen)
    answers = _all_at_once(
        app, "/api/exchange/v1/envelopes/batch", [{"envelopes": b} for b in batches], 120
    )
    assert [status for status, _ in answers] == [200] * THREADS, answers
    for (_status, body), batch in zip(answers, batches, strict=True):
        results = [r["receipt"]["payload"]["result"] for r in body["results"]]
        assert len(results) == len(batch)
        assert set(results) <= {"stored", "duplicate", "stale"}

    sent = {(e["record_id"], e["version"]) for batch in batches for e in batch}
    committed.session.expire_all()
    stored = committed.session.execute(
        select(IntegrityRecord.record_uid, RecordVersion.version)
        .join(RecordVersion.record)
        .where(IntegrityRecord.record_uid.like("rec-race-%"))
    ).all()
    assert sorted(stored) == sorted(sent)  # each version once, none lost
    for uid, current in committed.session.execute(
        select(IntegrityRecord.record_uid, IntegrityRecord.current_version).where(
            IntegrityRecord.record_uid.like("rec-race-%")
        )
    ):
        assert current == max(v for u, v in sent if u == uid)
    count = committed.session.scalar(
        select(func.count())
        .select_from(IntegrityRecord)
        .where(IntegrityRecord.record_uid.like("rec-race-%"))
    )
    assert count == len({u for u, _ in sent})


def _wait_for_lock_waiter(connection, bucket: int) -> None:
    """Returns once a backend waits for the record's lock (the request the test started)."""
    waiting = text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        " AND classid = :cls AND objid = :bucket"
    )
    deadline = time.monotonic() + 30
    while connection.execute(waiting, {"cls": LOCK_CLASS, "bucket": bucket}).scalar() == 0:
        assert time.monotonic() < deadline, "the request never waited for the record's lock"
        time.sleep(0.01)


def test_one_envelope_reads_what_was_committed_while_it_waited_for_the_lock(app, committed):  # noqa: F811
    """Version 2 arrives while another request holds the record's lock and stores version 3:
    once the lock is granted, the stored versions are read afresh, so version 2 is kept as
    stale history and version 3 stays current (a read from before the wait would make the
    older version current)."""
    if committed.engine.dialect.name != "postgresql":
        pytest.skip("record locks are PostgreSQL's; SQLite serialises whole write transactions")
    init_node("node-test")
    key = Ed25519PrivateKey.generate()
    add_peer(PEER, "http://127.0.0.1:9", public_key_text(key.public_key()))
    committed.session.commit()
    uid = "rec-waited-001"
    client = app.test_client()
    first = client.post("/api/exchange/v1/envelopes", json=envelope(key, uid, 1))
    assert first.json["receipt"]["payload"]["result"] == "stored"
    newest = envelope(key, uid, 3, status="revoked")
    answers: list = []

    def send_version_2() -> None:
        answers.append(client.post("/api/exchange/v1/envelopes", json=envelope(key, uid, 2)))

    with committed.engine.connect() as holder:
        holder.execute(
            text("SELECT pg_advisory_xact_lock(:cls, :bucket)"),
            {"cls": LOCK_CLASS, "bucket": _bucket(uid)},
        )
        sender = threading.Thread(target=send_version_2)
        sender.start()
        with committed.engine.connect() as watcher:
            _wait_for_lock_waiter(watcher, _bucket(uid))
        # what a request storing version 3 writes, committed while version 2 waits
        holder.execute(
            text(
                "UPDATE integrity_records SET current_version = 3, status = 'revoked',"
                " payload = CAST(:payload AS json) WHERE record_uid = :uid"
            ),
            {"uid": uid, "payload": json.dumps(newest["payload"])},
        )
        holder.execute(
            text(
                "INSERT INTO record_versions (record_id, version, is_local, status, envelope,"
                " envelope_sha256, stored_at) SELECT id, 3, false, 'revoked',"
                " CAST(:envelope AS json), :sha, now() FROM integrity_records"
                " WHERE record_uid = :uid"
            ),
            {"uid": uid, "envelope": json.dumps(newest), "sha": "3" * 64},
        )
        holder.commit()
        sender.join(30)
    assert [a.status_code for a in answers] == [200]
    assert answers[0].json["receipt"]["payload"]["result"] == "stale"
    committed.session.expire_all()
    record = committed.session.scalar(
        select(IntegrityRecord).where(IntegrityRecord.record_uid == uid)
    )
    assert record.current_version == 3
    assert sorted(v.version for v in record.versions) == [1, 2, 3]


def test_one_new_record_sent_by_many_at_once_is_stored_once(app, committed):  # noqa: F811
    """Several requests carry the same new record's first version (and some its second) at
    the same moment, one envelope each: on PostgreSQL the first versions race in the
    one-statement path (`ON CONFLICT DO NOTHING`) against the usual path's second versions.
    Every request is answered, each version stored once, and the second version current."""
    init_node("node-test")
    key = Ed25519PrivateKey.generate()
    add_peer(PEER, "http://127.0.0.1:9", public_key_text(key.public_key()))
    committed.session.commit()
    client = app.test_client()
    warm = client.post("/api/exchange/v1/envelopes", json=envelope(key, "rec-same-warm", 1))
    assert warm.json["receipt"]["payload"]["result"] == "stored"  # the peer's key is read
    uid = "rec-same-001"
    first, second = envelope(key, uid, 1), envelope(key, uid, 2, status="revoked")
    sent = [first] * (THREADS - 2) + [second] * 2
    answers = _all_at_once(app, "/api/exchange/v1/envelopes", sent, 60)
    assert all(status == 200 for status, _body in answers), answers
    results: dict[int, list[str]] = {1: [], 2: []}
    for item, (_status, body) in zip(sent, answers, strict=True):
        results[item["version"]].append(body["receipt"]["payload"]["result"])
    assert results[1].count("stored") + results[1].count("stale") == 1, results
    assert set(results[1]) <= {"stored", "stale", "duplicate"}
    assert sorted(results[2]) == ["duplicate", "stored"], results
    committed.session.expire_all()
    record = committed.session.scalar(
        select(IntegrityRecord).where(IntegrityRecord.record_uid == uid)
    )
    assert record.current_version == 2
    assert sorted(v.version for v in record.versions) == [1, 2]
