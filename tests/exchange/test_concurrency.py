"""Peers retrying and overlapping: several batches naming the same records at the same moment.

Every request must answer 200 with a receipt per envelope, and each version must be stored
exactly once, whatever order the transactions commit in. The data must be committed to be
seen across threads, so this uses the `committed` fixture rather than the rolled-back `db`.
"""

from __future__ import annotations

import random
import threading

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from app.core.node import init_node, public_key_text
from app.exchange.services import add_peer
from app.records.models import IntegrityRecord, RecordVersion
from tests.exchange.test_api import PEER, envelope
from tests.worker_support import committed  # noqa: F401

THREADS = 6
RECORDS = 40


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
    barrier = threading.Barrier(THREADS)
    answers: list[tuple[int, list]] = []
    errors: list[BaseException] = []

    def send(batch: list[dict]) -> None:
        try:
            client = app.test_client()
            barrier.wait(timeout=30)
            response = client.post("/api/exchange/v1/envelopes/batch", json={"envelopes": batch})
            answers.append((response.status_code, response.get_json()))
        except BaseException as exc:  # reported below, in the test's own thread
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(b,)) for b in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert [status for status, _ in answers] == [200] * THREADS, answers
    for (_status, body), batch in zip(answers, batches, strict=False):
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
