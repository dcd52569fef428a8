"""Throughput of receiving signed envelopes into PostgreSQL, beside its floor (Ed25519
verification alone of the same envelopes, in one thread, and for batches, which verify on
every core, on every core too); a node catching up on a peer's register; and
integrity-check latency over 100,000 records.

    .venv/bin/python -m benchmarks.exchange [--database URL] [--envelopes 3000]
        [--pull 10000] [--records 100000] [--checks 1000]

The database named in --database is dropped and recreated, and so is the peer's for the
pull (the same name with `_peer`). Requests go through the whole Flask stack (JSON parsing,
shape check, Ed25519 verification, storage, signed receipt) via the WSGI test client, so the
figures exclude only the network. The pull is the exception: the peer is a deployment of its
own, served by gunicorn on a loopback port, and the puller fetches its register over HTTP
(`exchange.tasks.pull_from_peer`, pages of 200 received as batches).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import secrets
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask_migrate import upgrade

from app import create_app
from app.core import envelopes, node
from app.core.crypto import matching_hash
from app.core.identifiers import make_resident_id
from app.core.node import b64, init_node, public_key_text
from app.extensions import db
from benchmarks.common import bench_config, recreate_database, start_server, stop_server

DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/yrd_test_exchange"
ORIGIN = "node-origin"  # the peer whose register the pull catches up on


def p95(samples: list[float]) -> float:
    if len(samples) < 2:
        return samples[0] * 1000
    return statistics.quantiles(samples, n=100)[94] * 1000


def make_envelope(key, sender: str, i: int) -> dict:
    body = {
        "protocol": envelopes.PROTOCOL,
        "kind": "record",
        "sender": sender,
        "record_id": str(uuid.uuid4()),
        "version": 1,
        "issued_at": envelopes.now_iso(),
        "payload": record_payload(i),
    }
    body["signature"] = b64(key.sign(envelopes.canonical(body)))
    return body


def record_payload(i: int) -> dict:
    return {
        "status": "active",
        "subject": {
            "name": f"受检人{i}",
            "matching_hash": secrets.token_hex(32),
            "id_masked": "3101**********0000",
        },
        "conduct": "抄袭",
        "outcome": "通报批评，三年内禁止申报项目",
        "deciding_agency": "浙江省科学技术厅",
        "legal_basis": "国科发监〔2022〕221号",
        "effective_date": "2026-05-01",
        "term_end": "2099-05-01",
        "lifetime": False,
        "severity": "serious",
    }


def verify_floor(public_key, items: list[dict]) -> float:
    """Envelopes per second that Ed25519 verification alone manages on the same envelopes,
    with the library the platform verifies with (libsodium, `envelopes.verify_canonical`):
    what no receive path can beat, since every envelope must be verified."""
    from base64 import urlsafe_b64decode

    from nacl.signing import VerifyKey

    verify_key = VerifyKey(public_key.public_bytes_raw())

    def unb64(text: str) -> bytes:
        return urlsafe_b64decode(text + "=" * (-len(text) % 4))

    prepared = [
        (
            unb64(e["signature"]),
            envelopes.canonical({k: v for k, v in e.items() if k != "signature"}),
        )
        for e in items
    ]
    start = time.perf_counter()
    for signature, message in prepared:
        verify_key.verify(message, signature)
    return len(prepared) / (time.perf_counter() - start)


def verify_floor_all_cores(public_key, items: list[dict]) -> float:
    """The same, with the work spread over every core as a batch spreads it
    (`envelopes.verify_all`; Ed25519 releases the GIL)."""
    checks = [(envelopes.canonical(e), e["signature"], public_key) for e in items]
    start = time.perf_counter()
    assert all(envelopes.verify_all(checks))
    return len(checks) / (time.perf_counter() - start)


def beside_floor(rate: float, floor: float, cpu: float | None = None, count: int = 1) -> str:
    """The floor and the ratio; with `cpu` (process seconds over `count` envelopes) also the
    CPU this process spent an envelope, a figure a busy shared machine moves far less than
    the wall-clock rate (the database server's CPU is not in it). The load average last:
    the machine is shared, and a figure means little without it."""
    text = f"floor (Ed25519 verify alone) {floor:,.0f}/s, platform at {rate / floor:.1%} of it"
    if cpu is not None:
        text += f"; CPU of this process {cpu / count * 1000:.2f} ms an envelope"
    return text + f"; load average {os.getloadavg()[0]:.1f}"


class Counted:
    """CPU and statements of a stretch of requests: this process's CPU, the statements the
    app sent, and on a local PostgreSQL the CPU its backends for the database spent (read
    from /proc: the server's share of the work, which the process's CPU leaves out)."""

    def __init__(self, app):
        self.app, self.statements = app, 0

    def _count(self, *_args):
        self.statements += 1

    def __enter__(self):
        with self.app.app_context():
            self.engine = db.engine
            self.database = self.engine.url.database
        sa.event.listen(self.engine, "before_cursor_execute", self._count)
        self.cpu, self.server = time.process_time(), database_cpu(self.database)
        return self

    def __exit__(self, *_exc):
        self.cpu = time.process_time() - self.cpu
        server = database_cpu(self.database)
        # a backend that ended during the stretch takes its CPU out of the sum: no figure then
        gone = server is None or self.server is None or server < self.server
        self.server = None if gone else server - self.server
        sa.event.remove(self.engine, "before_cursor_execute", self._count)

    def text(self, envelopes: int, requests: int) -> str:
        text = f"{self.statements / requests:.1f} statements a request"
        if self.server is not None:
            text += f", database CPU {self.server / envelopes * 1000:.3f} ms an envelope"
        return text


def database_cpu(database: str | None) -> float | None:
    """Seconds of CPU the local PostgreSQL backends connected to `database` have used (None
    when none can be read: another host, SQLite, no /proc)."""
    total, found = 0, False
    for stat in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command = stat.read_bytes().replace(b"\0", b" ")
            if not command.startswith(b"postgres: ") or f" {database} ".encode() not in command:
                continue
            fields = (stat.parent / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total, found = total + int(fields[11]) + int(fields[12]), True
    return total / os.sysconf("SC_CLK_TCK") if found else None


def client_floor(items: list[dict]) -> None:
    """What the benchmark's own client costs: the same envelopes posted one per request
    through Flask's test client to a bare Flask app whose view only parses the JSON and
    answers a small JSON object. No receive path through this client can beat it."""
    from flask import Flask, jsonify, request

    bare = Flask("client_floor")

    @bare.post("/envelopes")
    def envelopes_view():
        return jsonify({"receipt": {"record_id": request.get_json()["record_id"]}})

    client = bare.test_client()
    start, cpu = time.perf_counter(), time.process_time()
    for envelope in items:
        assert client.post("/envelopes", json=envelope).status_code == 200
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(
        f"client floor (the same requests to a bare Flask view): "
        f"{len(items) / elapsed:,.0f} requests/s, CPU {cpu / len(items) * 1000:.2f} ms a "
        f"request; load average {os.getloadavg()[0]:.1f}"
    )


def bench_single(app, client, items: list[dict], floor: float) -> None:
    """A sender's steady state: the first envelope, which makes this process read the
    peer's key (one statement more), is sent before the measured stretch."""
    warm, items = items[0], items[1:]
    assert client.post("/api/exchange/v1/envelopes", json=warm).status_code == 200
    latencies = []
    start = time.perf_counter()
    with Counted(app) as counted:
        for envelope in items:
            t0 = time.perf_counter()
            response = client.post("/api/exchange/v1/envelopes", json=envelope)
            latencies.append(time.perf_counter() - t0)
            assert response.status_code == 200, response.data
    elapsed = time.perf_counter() - start
    rate = len(items) / elapsed
    print(
        f"receive, one envelope per request: {rate:,.0f} envelopes/s, "
        f"p95 {p95(latencies):.2f} ms per request; {counted.text(len(items), len(items))}; "
        f"{beside_floor(rate, floor, counted.cpu, len(items))}"
    )


def bench_concurrent(app, items: list[dict], threads: int, floor: float) -> None:
    """One envelope per request from several senders at once, as a threaded server sees it:
    database waits and commits overlap."""
    from concurrent.futures import ThreadPoolExecutor

    def send(envelope):
        client = app.test_client()
        t0 = time.perf_counter()
        response = client.post("/api/exchange/v1/envelopes", json=envelope)
        assert response.status_code == 200, response.data
        return time.perf_counter() - t0

    start = time.perf_counter()
    with Counted(app) as counted, ThreadPoolExecutor(threads) as pool:
        latencies = list(pool.map(send, items))
    elapsed = time.perf_counter() - start
    rate = len(items) / elapsed
    print(
        f"receive, one envelope per request, {threads} concurrent senders: "
        f"{rate:,.0f} envelopes/s, p95 {p95(latencies):.2f} ms per request; "
        f"{counted.text(len(items), len(items))}; "
        f"{beside_floor(rate, floor, counted.cpu, len(items))}"
    )


def bench_batch(app, client, items: list[dict], size: int, floor: float, floor_all: float) -> None:
    latencies = []
    start = time.perf_counter()
    with Counted(app) as counted:
        for i in range(0, len(items), size):
            t0 = time.perf_counter()
            response = client.post(
                "/api/exchange/v1/envelopes/batch", json={"envelopes": items[i : i + size]}
            )
            latencies.append(time.perf_counter() - t0)
            assert all("receipt" in r for r in response.json["results"])
    elapsed = time.perf_counter() - start
    rate = len(items) / elapsed
    print(
        f"receive, batches of {size}: {rate:,.0f} envelopes/s, "
        f"p95 {p95(latencies):.1f} ms per batch; {counted.text(len(items), len(latencies))}; "
        f"{beside_floor(rate, floor, counted.cpu, len(items))}; verification alone on "
        f"{os.cpu_count()} cores {floor_all:,.0f}/s, platform at {rate / floor_all:.1%} of it"
    )


def prepare_origin(origin, receiver_key: str, count: int) -> str:
    """The peer's deployment (`origin`, an app on a database of its own): migrated, its key
    made, the receiving node registered as its peer (a pull's requests are signed), and
    `count` records published, a signed version each, written in bulk. Returns its public
    key."""
    from app.demo.loader import ensure_agencies
    from app.exchange.services import add_peer
    from app.records.models import IntegrityRecord, RecordVersion

    records, versions = IntegrityRecord.__table__, RecordVersion.__table__
    with origin.app_context():
        upgrade()
        ensure_agencies()
        _node_id, public, _created = init_node(ORIGIN)
        add_peer("node-bench", "http://127.0.0.1:9", receiver_key)
        for start in range(0, count, 1000):
            sealed = [
                envelopes.seal("record", str(uuid.uuid4()), 1, record_payload(i))
                for i in range(start, min(start + 1000, count))
            ]
            db.session.execute(
                records.insert(),
                [
                    {
                        "record_uid": e["record_id"],
                        "origin_node": ORIGIN,
                        "is_local": True,
                        "deciding_agency": e["payload"]["deciding_agency"],
                        "subject_name": e["payload"]["subject"]["name"],
                        "status": "active",
                        "current_version": 1,
                        "lifetime": False,
                        "draft": {},
                        "payload": e["payload"],
                    }
                    for e in sealed
                ],
            )
            ids = dict(
                db.session.execute(
                    sa.select(records.c.record_uid, records.c.id).where(
                        records.c.record_uid.in_([e["record_id"] for e in sealed])
                    )
                ).all()
            )
            db.session.execute(
                versions.insert(),
                [
                    {
                        "record_id": ids[e["record_id"]],
                        "version": 1,
                        "is_local": True,
                        "status": "active",
                        "envelope": e,
                        "envelope_sha256": envelopes.digest(e),
                    }
                    for e in sealed
                ],
            )
        db.session.commit()
        db.engine.dispose()
    return public


def serve(settings: dict, port: int) -> subprocess.Popen:
    """A deployment served by gunicorn (one sync worker) with `settings` as its environment."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "YRD_REDIS_URL")}
    env.update({k: str(v) for k, v in settings.items() if v is not None})
    return start_server(port, 1, 1, env)


def fetch_floor(app, peer_id: int, count: int, page_size: int) -> float:
    """Envelopes a second that fetching the peer's register alone manages: the same signed
    requests for the same pages, the answers read and parsed, nothing checked or stored."""
    from app.exchange import tasks
    from app.exchange.models import ExchangePeer

    fetched, cursor = 0, 0
    with app.app_context():
        peer = db.session.get(ExchangePeer, peer_id)
        url, node_id = peer.url, peer.node_id
        tasks._fetch_page(url, node_id, 0, page_size)  # the peer's first request starts it
        start = time.perf_counter()
        while fetched < count:
            body = tasks._fetch_page(url, node_id, cursor, page_size)
            fetched, cursor = fetched + len(body["envelopes"]), body["next"]
            if len(body["envelopes"]) < page_size:
                break
    return fetched / (time.perf_counter() - start)


def pull_stage(app, args, floor: float) -> None:
    """The peer's deployment made, filled and served, then pulled from."""
    import socket

    parsed = sa.engine.make_url(args.database)
    origin_url = parsed.set(database=f"{parsed.database}_peer").render_as_string(False)
    recreate_database(origin_url)
    settings = bench_config(origin_url, args.folder / "origin")
    with app.app_context():
        receiver_key = node.identity()[2]
    public_key = prepare_origin(create_app(settings), receiver_key, args.pull)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = serve(settings, port)
    try:
        bench_pull(app, f"http://127.0.0.1:{port}", public_key, args.pull, floor)
    finally:
        stop_server(server)


def bench_pull(app, url: str, public_key: str, count: int, floor: float) -> None:
    """A node catching up on a peer's register: `count` versions, pulled in pages of 200."""
    from app.exchange import tasks
    from app.exchange.services import add_peer

    with app.app_context():
        peer = add_peer(ORIGIN, url, public_key)
        db.session.commit()
        peer_id = peer.id
    fetch = fetch_floor(app, peer_id, count, 200)
    with app.app_context():
        start = time.perf_counter()
        with Counted(app) as counted:
            stored = tasks.pull_from_peer(peer_id, page_size=200)
        elapsed = time.perf_counter() - start
    assert stored == count, (stored, count)
    rate = count / elapsed
    statements = counted.text(count, -(-count // 200)).replace("a request", "a page")
    print(
        f"pull, a peer's register of {count:,} versions in pages of 200: {rate:,.0f} "
        f"envelopes/s; {statements}; fetching the pages alone {fetch:,.0f}/s, "
        f"platform at {rate / fetch:.1%} of it; {beside_floor(rate, floor, counted.cpu, count)}"
    )


def seed_records(count: int, peer_id: int) -> list[str]:
    """Bulk rows as received records; returns a sample of ID numbers that match some of them."""
    from app.records.models import IntegrityRecord

    numbers = [
        make_resident_id("310101", dt.date(1950, 1, 1) + dt.timedelta(days=i // 999), i % 999)
        for i in range(count)
    ]
    table = IntegrityRecord.__table__
    for start in range(0, count, 5000):
        rows = [
            {
                "record_uid": str(uuid.uuid4()),
                "origin_node": "node-peer",
                "is_local": False,
                "peer_id": peer_id,
                "deciding_agency": "浙江省科学技术厅",
                "subject_name": f"受检人{i}",
                "subject_hash": matching_hash("resident_id", numbers[i]),
                "subject_id_masked": "3101**********0000",
                "status": "active" if i % 3 else "expired",
                "current_version": 1,
                "lifetime": False,
                "draft": {},
                "payload": {"conduct": "抄袭"},
            }
            for i in range(start, min(start + 5000, count))
        ]
        db.session.execute(table.insert(), rows)
    db.session.commit()
    return numbers


def bench_checks(client, token: str, numbers: list[str], runs: int) -> None:
    """Every other check asks for a held number, the others for a valid number held nowhere
    (born 2001, after every seeded one)."""
    rng = random.Random(5)
    latencies, found = [], 0
    for n in range(runs):
        held = rng.choice(numbers)
        number = held if n % 2 else make_resident_id("310101", dt.date(2001, 1, 1), n % 999)
        t0 = time.perf_counter()
        response = client.get(
            f"/api/v1/integrity-check?name=x&id_number={number}",
            headers={"Authorization": f"Bearer {token}"},
        )
        latencies.append(time.perf_counter() - t0)
        assert response.status_code == 200, response.data
        found += response.json["matches"]
    print(
        f"integrity check over {len(numbers):,} records: p95 {p95(latencies):.2f} ms, "
        f"median {statistics.median(latencies) * 1000:.2f} ms ({runs} checks, {found} hits)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--envelopes", type=int, default=3000)
    parser.add_argument("--pull", type=int, default=10_000, help="versions in the peer's register")
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--checks", type=int, default=1000)
    args = parser.parse_args()
    recreate_database(args.database)
    with tempfile.TemporaryDirectory() as tmp:
        args.folder = Path(tmp)
        run(create_app(bench_config(args.database, args.folder)), args)


def run(app, args) -> None:
    from app.auth.models import Role, User
    from app.auth.services import create_token
    from app.demo.loader import ensure_agencies
    from app.exchange.services import add_peer

    key = Ed25519PrivateKey.generate()
    with app.app_context():
        upgrade()
        agencies = ensure_agencies()
        init_node("node-bench")
        peer = add_peer("node-peer", "http://127.0.0.1:9", public_key_text(key.public_key()))
        user = User(
            username="bench", display_name="bench", agency=agencies["SH"], password_hash="x"
        )
        user.set_roles([Role.officer])
        db.session.add(user)
        db.session.flush()
        token = create_token(user, "bench")
        db.session.commit()
        peer_id = peer.id
    client = app.test_client()
    items = [make_envelope(key, "node-peer", i) for i in range(args.envelopes * 3)]
    single, concurrent, batch = (
        items[i * args.envelopes : (i + 1) * args.envelopes] for i in range(3)
    )
    public_key = key.public_key()
    client_floor(single)
    with app.app_context():
        bench_single(app, client, single, verify_floor(public_key, single))
    bench_concurrent(app, concurrent, 8, verify_floor(public_key, concurrent))
    with app.app_context():
        bench_batch(
            app,
            client,
            batch,
            250,
            verify_floor(public_key, batch),
            verify_floor_all_cores(public_key, batch),
        )
    if args.pull:
        pull_stage(app, args, verify_floor(public_key, batch))
    with app.app_context():
        numbers = seed_records(args.records, peer_id)
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
    with app.app_context():
        bench_checks(client, token, numbers, args.checks)


if __name__ == "__main__":
    main()
