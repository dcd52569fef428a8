"""What receiving costs the database, pinned: the statements of one envelope per request
and of a batch, whatever its size (the receive benchmark prints the same counts)."""

from __future__ import annotations

from tests.exchange.test_api import envelope, node, peer  # noqa: F401  (fixtures)
from tests.statements import counted

# One new envelope: the peer, the record's lock and its stored versions (one statement on
# PostgreSQL, two on SQLite), the record with its version and the supervisors to tell (one
# statement on PostgreSQL, three on SQLite). On PostgreSQL, once the process has read the
# peer's key, a new record's first version is one statement in all (storing it checks the key).
FIRST_CONTACT = {"postgresql": 2, "sqlite": 5}
ONE_ENVELOPE = {"postgresql": 1, "sqlite": 5}
# A batch: the record locks (PostgreSQL), the stored versions, the peer, the new records,
# their versions and the supervisors, each once whatever the number of envelopes.
BATCH = {"postgresql": 6, "sqlite": 5}


def test_one_new_envelope_costs_its_pinned_number_of_statements(
    client,
    db,
    peer,  # noqa: F811
    monkeypatch,
):
    from app.exchange import receive

    monkeypatch.setattr(receive, "_last_keys", {})  # no key read yet in this process
    for uid, pinned in (("rec-pin", FIRST_CONTACT), ("rec-pin-next", ONE_ENVELOPE)):
        with counted(db.engine, savepoints=False) as statements:
            response = client.post("/api/exchange/v1/envelopes", json=envelope(peer, uid, 1))
        assert response.status_code == 200, response.data
        assert response.json["receipt"]["payload"]["result"] == "stored"
        expected = pinned[db.engine.dialect.name]
        assert len(statements) == expected, " | ".join(s[:60] for s in statements)


def test_a_batch_costs_the_same_statements_whatever_its_size(client, db, peer):  # noqa: F811
    counts = []
    for size in (2, 5, 20):
        items = [envelope(peer, f"rec-pin-{size}-{i}", 1) for i in range(size)]
        with counted(db.engine, savepoints=False) as statements:
            response = client.post("/api/exchange/v1/envelopes/batch", json={"envelopes": items})
        results = [r["receipt"]["payload"]["result"] for r in response.json["results"]]
        assert results == ["stored"] * size
        counts.append(len(statements))
    assert counts == [BATCH[db.engine.dialect.name]] * 3, counts
