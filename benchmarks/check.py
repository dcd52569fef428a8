"""Integrity-check latency over many records, beside its floor: the bare SQL lookup of the
same matching hashes on one raw connection.

    .venv/bin/python -m benchmarks.check [--database URL] [--records 10000000] [--checks 1000]
        [--keep]

The database named in --database is dropped and recreated, unless --keep finds it already
holding the records. On PostgreSQL the records are written by one `INSERT … SELECT
generate_series` (their hashes stand in for ID numbers no check asks for), with one held
record in every `records / checks` carrying the real matching hash of a resident ID number,
and the indexes are built after the rows. SQLite gets the same rows through Core inserts.
Each check goes through the whole API (token, query check, the visible records in force,
their versions and recognitions, the audit row, the JSON answer) via the WSGI test client;
every other check asks for a held number, the others for a valid number held nowhere.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask_migrate import upgrade

from app import create_app
from app.core.crypto import matching_hash
from app.core.identifiers import make_resident_id
from app.extensions import db
from benchmarks.common import bench_config, percentile, recreate_database

DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/yrd_bench_check"
PEER = "node-peer"


def load_average() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def held_number(i: int) -> str:
    return make_resident_id("310101", dt.date(1950, 1, 1) + dt.timedelta(days=i // 999), i % 999)


def missing_number(n: int) -> str:
    """A valid resident ID number no record holds (born 2001, after every held one)."""
    return make_resident_id("310101", dt.date(2001, 1, 1), n % 999)


def record_row(i: int, peer_id: int, subject_hash: str) -> dict:
    return {
        "record_uid": str(uuid.uuid4()),
        "origin_node": PEER,
        "is_local": False,
        "peer_id": peer_id,
        "deciding_agency": "浙江省科学技术厅",
        "subject_name": f"受检人{i}",
        "subject_hash": subject_hash,
        "subject_id_masked": "3101**********0000",
        "status": "active" if i % 3 else "expired",
        "current_version": 1,
        "lifetime": False,
        "draft": {},
        "payload": {"conduct": "抄袭"},
    }


def seed(count: int, held: int, peer_id: int) -> list[int]:
    """`count` received records; returns the indexes of those whose hash is a real one."""
    step = max(1, count // held)
    real = list(range(0, count, step))[:held]
    table = db.metadata.tables["integrity_records"]
    if db.session.get_bind().dialect.name == "postgresql":
        hashes = [matching_hash("resident_id", held_number(i)) for i in real]
        seed_postgres(count, peer_id, step, hashes)
    else:
        wanted = set(real)
        for start in range(0, count, 5000):
            rows = [
                record_row(
                    i,
                    peer_id,
                    matching_hash("resident_id", held_number(i))
                    if i in wanted
                    else hashlib.sha256(f"filler-{i}".encode()).hexdigest(),
                )
                for i in range(start, min(start + 5000, count))
            ]
            db.session.execute(table.insert(), rows)
    db.session.commit()
    return real


def seed_postgres(count: int, peer_id: int, step: int, hashes: list[str]) -> None:
    """One INSERT … SELECT, with the table's secondary indexes built afterwards: every
    `step`-th row takes the next of `hashes`, the others a hash no check asks for."""
    indexes = db.session.execute(
        sa.text(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = 'integrity_records'::regclass AND NOT i.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"
        )
    ).all()
    for name, _definition in indexes:
        db.session.execute(sa.text(f"DROP INDEX {name}"))
    db.session.execute(sa.text("SET LOCAL synchronous_commit = off"))
    db.session.execute(
        sa.text(
            "INSERT INTO integrity_records (record_uid, origin_node, is_local, peer_id,"
            " deciding_agency, subject_name, subject_hash, subject_id_masked, status,"
            " current_version, lifetime, draft, payload, created_at, updated_at,"
            " under_objection) "
            "SELECT gen_random_uuid()::text, :peer, false, :peer_id, '浙江省科学技术厅',"
            " '受检人' || i, CASE WHEN i % :step = 0 AND i / :step < :held"
            " THEN (CAST(:hashes AS text[]))[i / :step + 1]"
            " ELSE encode(sha256(('filler-' || i)::bytea), 'hex') END,"
            " '3101**********0000', CASE WHEN i % 3 = 0 THEN 'expired' ELSE 'active' END,"
            " 1, false, '{}', '{\"conduct\": \"抄袭\"}', now(), now(), false "
            "FROM generate_series(0, :last) AS i"
        ),
        {
            "peer": PEER,
            "peer_id": peer_id,
            "last": count - 1,
            "step": step,
            "held": len(hashes),
            "hashes": hashes,
        },
    )
    db.session.commit()
    db.session.execute(sa.text("SET maintenance_work_mem = '512MB'"))
    for _name, definition in indexes:
        db.session.execute(sa.text(definition))
        db.session.commit()


def time_checks(client, token: str, numbers: list[str]) -> tuple[list[float], int]:
    latencies, found = [], 0
    for number in numbers:
        t0 = time.perf_counter()
        response = client.get(
            f"/api/v1/integrity-check?name=x&id_number={number}",
            headers={"Authorization": f"Bearer {token}"},
        )
        latencies.append(time.perf_counter() - t0)
        assert response.status_code == 200, response.data
        found += response.json["matches"]
    return latencies, found


def time_floor(hashes: list[str]) -> tuple[list[float], int]:
    """The bare lookup by matching hash, one statement a check, on a raw connection."""
    latencies, found = [], 0
    with db.engine.connect() as conn:
        raw = conn.connection.driver_connection
        marker = "%s" if conn.dialect.name == "postgresql" else "?"
        cursor = raw.cursor()
        for subject in hashes:
            t0 = time.perf_counter()
            cursor.execute(
                f"SELECT id FROM integrity_records WHERE subject_hash = {marker}", (subject,)
            )
            found += len(cursor.fetchall())
            latencies.append(time.perf_counter() - t0)
        cursor.close()
        raw.rollback()
    return latencies, found


def ms(latencies: list[float], p: float) -> float:
    return percentile(latencies, p) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--checks", type=int, default=1000)
    parser.add_argument("--keep", action="store_true", help="reuse the records already there")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = bench_config(args.database, Path(tmp))
        if not (args.keep and holds(config, args.records)):
            recreate_database(args.database)
        run(create_app(config), args)


def holds(config: dict, count: int) -> bool:
    engine = sa.create_engine(config["DATABASE_URL"])
    try:
        with engine.connect() as conn:
            held = conn.scalar(
                sa.text("SELECT count(*) FROM integrity_records WHERE origin_node = :peer"),
                {"peer": PEER},
            )
        return held == count
    except sa.exc.SQLAlchemyError:
        return False
    finally:
        engine.dispose()


def run(app, args) -> None:
    from app.auth.models import Role, User
    from app.auth.services import create_token
    from app.core.node import init_node, public_key_text
    from app.demo.loader import ensure_agencies
    from app.exchange.models import ExchangePeer
    from app.exchange.services import add_peer

    with app.app_context():
        upgrade()
        peer = db.session.scalar(sa.select(ExchangePeer).where(ExchangePeer.node_id == PEER))
        user = db.session.scalar(sa.select(User).where(User.username == "bench"))
        if peer is None:
            agencies = ensure_agencies()
            init_node("node-bench")
            key = public_key_text(Ed25519PrivateKey.generate().public_key())
            peer = add_peer(PEER, "http://127.0.0.1:9", key)
            user = User(
                username="bench", display_name="bench", agency=agencies["SH"], password_hash="x"
            )
            user.set_roles([Role.officer])
            db.session.add(user)
            db.session.flush()
            t0 = time.perf_counter()
            real = seed(args.records, max(1, args.checks // 2), peer.id)
            print(
                f"seeded {args.records:,} records in {time.perf_counter() - t0:.1f} s; "
                f"load average {load_average()}"
            )
        else:
            step = max(1, args.records // max(1, args.checks // 2))
            real = list(range(0, args.records, step))[: max(1, args.checks // 2)]
        token = create_token(user, "bench")
        db.session.commit()
        db.session.execute(sa.text("ANALYZE integrity_records"))
        db.session.commit()
    rng = random.Random(5)
    numbers = [
        held_number(rng.choice(real)) if n % 2 else missing_number(n) for n in range(args.checks)
    ]
    client = app.test_client()
    with app.app_context():
        time_checks(client, token, numbers[:10])  # warm: imports, caches, the index's pages
        hashes = [matching_hash("resident_id", number) for number in numbers]
        statements: list[str] = []
        count = lambda *_args: statements.append("")  # noqa: E731
        sa.event.listen(db.engine, "before_cursor_execute", count)
        cpu = time.process_time()
        latencies, found = time_checks(client, token, numbers)
        cpu = time.process_time() - cpu
        sa.event.remove(db.engine, "before_cursor_execute", count)
        floor, floor_found = time_floor(hashes)
    print(
        f"integrity check over {args.records:,} records: p95 {ms(latencies, 95):.2f} ms, "
        f"median {statistics.median(latencies) * 1000:.2f} ms ({args.checks} checks, "
        f"{found} hits); floor (the bare SQL lookup by matching hash) p95 "
        f"{ms(floor, 95):.2f} ms, median {statistics.median(floor) * 1000:.2f} ms "
        f"({floor_found} hits); p95 {ms(latencies, 95) / max(ms(floor, 95), 1e-6):.1f}x the "
        f"floor; load average {load_average()} on {os.cpu_count()} cores; "
        f"{len(statements) / len(numbers):.1f} statements a check, CPU of this process "
        f"{cpu / len(numbers) * 1000:.2f} ms a check"
    )


if __name__ == "__main__":
    main()
