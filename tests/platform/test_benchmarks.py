"""Every script in benchmarks/ run as README says (`python -m benchmarks.NAME`), at a tiny
size, on the suite's kind of database: a benchmark that no longer runs, or no longer prints
its figures beside its floor, fails here rather than when someone next measures.

The PostgreSQL benchmarks (case list, dashboard, statistics, exchange) run in the PostgreSQL
run of the suite, on a database of their own beside the test database."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
NUMBER = r"[\d,]+(?:\.\d+)?"


def _database_url(folder: Path, name: str) -> str:
    """A database of the suite's kind that the benchmarks may drop and fill."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{folder / name}.sqlite"
    parsed = sa.engine.make_url(url)
    return parsed.set(database=f"{parsed.database}_{name}").render_as_string(hide_password=False)


def _needs_postgres() -> None:
    if not os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("a PostgreSQL benchmark: the PostgreSQL run of the suite runs it")


def _environment(folder: Path, database: str) -> dict:
    from app.core.secrets import new_field_key

    env = {k: v for k, v in os.environ.items() if not k.startswith(("YRD_", "REDIS"))}
    return env | {
        "DATABASE_URL": database,
        "BENCH_DATABASE_URL": database,
        "SECRET_KEY": "benchmark-test-secret-key-0123456789abcdef",
        "FIELD_ENCRYPTION_KEYS": new_field_key("b1"),
        "MATCHING_KEY": "benchmark-test-matching-key",
        "FILE_STORE": str(folder / "files"),
        "EXCHANGE_KEY_DIR": str(folder / "exchange"),
    }


def _run(env: dict, *command: str) -> str:
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    assert result.returncode == 0, f"{command}: {result.stdout[-2000:]}\n{result.stderr[-4000:]}"
    return result.stdout


def benchmark(env: dict, name: str, *args: str) -> str:
    return _run(env, sys.executable, "-m", f"benchmarks.{name}", *args)


def _free_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return str(sock.getsockname()[1])


def _drop(url: str) -> None:
    parsed = sa.engine.make_url(url)
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def bench_env(tmp_path):
    database = _database_url(tmp_path, "bench")
    yield _environment(tmp_path, database)
    if database.startswith("postgres"):
        _drop(database)
        parsed = sa.engine.make_url(database)  # the exchange benchmark's peer for the pull
        _drop(parsed.set(database=f"{parsed.database}_peer").render_as_string(False))


@pytest.fixture(scope="module")
def seeded_env(tmp_path_factory):
    """The seed-bench database the README's PostgreSQL benchmarks read, with 200 cases."""
    _needs_postgres()
    from benchmarks.common import recreate_database

    folder = tmp_path_factory.mktemp("bench")
    database = _database_url(folder, "bench_seeded")
    recreate_database(database)
    env = _environment(folder, database) | {"YRD_DEMO": "1"}
    flask = (sys.executable, "-m", "flask", "--app", "wsgi")
    _run(env, *flask, "db", "upgrade")
    seeded = _run(env, *flask, "seed-bench", "--cases", "200", "--defer-indexes")
    assert "200 synthetic cases added" in seeded
    yield env
    _drop(database)


def test_the_dossier_benchmark(bench_env):
    url = bench_env["DATABASE_URL"]
    sizes = ("--runs", "1", "--evidence", "30", "--interviews", "5", "--history", "10")
    out = benchmark(bench_env, "dossier", "--database", url, *sizes)
    run = re.search(rf"run 1: total ({NUMBER})s = load .* (\d+) pages", out)
    assert run and int(run.group(2)) >= 2, out
    floor = re.search(
        rf"floor \(WeasyPrint alone, same HTML\) ({NUMBER})s: the dossier takes ", out
    )
    assert floor and float(floor.group(1)) > 0, out
    signing = re.search(
        rf"signing \(PAdES, node key\) ({NUMBER}) ms of the total, budget 200 ms "
        rf"\(CPU {NUMBER} ms\); floor \(SHA-256 of the file and one ECDSA P-256 "
        rf"signature\) ({NUMBER}) ms",
        out,
    )
    assert signing and float(signing.group(1)) > float(signing.group(2)) > 0, out


def test_the_evidence_store_benchmark(bench_env):
    out = benchmark(bench_env, "evidence_store", "2")
    assert re.search(rf"new blob: 2 MB in {NUMBER} s = {NUMBER} MB/s \(created=True\)", out), out
    assert re.search(r"same content again \(dedupe\): .* \(created=False\)", out), out
    assert re.search(rf"floor \(SHA-256 and one fsynced write alone\): 2 MB in {NUMBER} s", out)


def test_the_exchange_benchmark(bench_env):
    _needs_postgres()
    sizes = ("--envelopes", "20", "--pull", "450", "--records", "300", "--checks", "10")
    out = benchmark(bench_env, "exchange", "--database", bench_env["DATABASE_URL"], *sizes)
    receiving = re.findall(
        rf"receive, (.+?): ({NUMBER}) envelopes/s, .*; floor \(Ed25519 verify alone\) "
        rf"({NUMBER})/s, platform at ",
        out,
    )
    assert [way for way, _rate, _floor in receiving] == [
        "one envelope per request",
        "one envelope per request, 8 concurrent senders",
        "batches of 250",
    ], out
    # the statements each way costs (tests/exchange/test_statement_counts.py pins them)
    assert re.search(rf"batches of 250: .*; verification alone on \d+ cores {NUMBER}/s, ", out), out
    counts = re.findall(rf"^receive, .*?({NUMBER}) statements a request", out, re.MULTILINE)
    assert [float(c) for c in counts] == [1, 1, 6], out
    # a peer's register of 450 versions, served by a deployment of its own: three pages
    pull = re.search(
        rf"pull, a peer's register of 450 versions in pages of 200: {NUMBER} envelopes/s; "
        rf"({NUMBER}) statements a page, .*; fetching the pages alone {NUMBER}/s, ",
        out,
    )
    assert pull and 5 <= float(pull.group(1)) <= 12, out
    checks = re.search(r"integrity check over 300 records: .* \(10 checks, (\d+) hits\)", out)
    assert checks and 0 < int(checks.group(1)) <= 5, out  # half ask for a number held


def test_the_integrity_check_benchmark(bench_env):
    url = bench_env["DATABASE_URL"]
    out = benchmark(bench_env, "check", "--database", url, "--records", "300", "--checks", "10")
    assert re.search(rf"seeded 300 records in {NUMBER} s; load average ", out), out
    checks = re.search(
        rf"integrity check over 300 records: p95 ({NUMBER}) ms, median {NUMBER} ms \(10 checks, "
        rf"(\d+) hits\); floor \(the bare SQL lookup by matching hash\) p95 ({NUMBER}) ms, "
        rf"median {NUMBER} ms \((\d+) hits\); p95 {NUMBER}x the floor; load average ",
        out,
    )
    assert checks, out  # half the checks ask for a number held, found by the floor too
    assert int(checks.group(2)) == int(checks.group(4)) == 5, out
    assert float(checks.group(1)) > float(checks.group(3)) > 0, out
    # 4 statements a check without a match, 6 with one (tests/records/test_records.py)
    assert re.search(r"; (4\.[0-9]|5\.[0-9]|6\.0) statements a check, CPU ", out), out
    again = benchmark(bench_env, "check", "--database", url, "--records", "300", "--checks", "10",
                      "--keep")  # fmt: skip
    assert "seeded" not in again and "(10 checks, 5 hits)" in again, again


def test_the_screening_benchmark(bench_env):
    sizes = ("--records", "300", "--rows", "50", "--hits", "5")
    out = benchmark(bench_env, "screening", "--database", bench_env["DATABASE_URL"], *sizes)
    assert re.search(
        rf"screening 50 rows against 300 records in force: matching {NUMBER} s beside the "
        rf"floor \(one SQL join of the hashed list\) {NUMBER} s, {NUMBER}x; 5 hits \(floor 5\)",
        out,
    ), out
    assert re.search(rf"whole job {NUMBER} s: .* the job \(matching, .*\) {NUMBER} s", out), out


def test_the_case_list_benchmark(seeded_env):
    args = ("--requests", "2", "--clients", "2", "--workers", "1", "--port", _free_port())
    out = benchmark(seeded_env, "case_list", *args)
    rows = re.findall(
        rf"^(html|api) .* ({NUMBER})\s+({NUMBER})\s+({NUMBER})x\s+{NUMBER}$", out, re.MULTILINE
    )  # every scenario and page beside its SQL floor (one connection, then one per client),
    # the ratio and the load average
    assert len(rows) == 16, out
    summaries = re.findall(
        rf"^(html|api) p95, (1 client|2 clients): worst {NUMBER} ms; "
        r"at most (\d+) ms in \d+ of (\d+) scenarios$",
        out,
        re.MULTILINE,
    )  # each p95 beside the target, for each kind and number of clients
    assert sorted(summaries) == [
        ("api", "1 client", "50", "8"),
        ("api", "2 clients", "150", "8"),
        ("html", "1 client", "80", "8"),
        ("html", "2 clients", "150", "8"),
    ], out
    assert re.search(
        rf"^hand-written SQL p95, 2 connections at once: worst {NUMBER} ms; "
        r"at most 150 ms in \d+ of 8 scenarios$",
        out,
        re.MULTILINE,
    ), out  # the floor of the concurrent target
    assert "query count constant in page size and page number: True" in out


def test_the_dashboard_benchmark(seeded_env):
    args = ("--requests", "2", "--workers", "1", "--port", _free_port())
    out = benchmark(seeded_env, "dashboard", *args)
    for user in ("sh-officer", "sh-supervisor"):
        assert re.search(
            rf"^dashboard {user} +\d+ +{NUMBER} +{NUMBER} +{NUMBER}x +{NUMBER}$", out, re.M
        ), out
    assert re.search(rf"^queue as raw SQL \(floor\) +{NUMBER} +{NUMBER} +{NUMBER}$", out, re.M)


def test_the_statistics_benchmark(seeded_env):
    out = benchmark(seeded_env, "statistics", "--runs", "2", "--records", "300")
    for page in ("agency", "region", "institution"):  # page times beside its SQL alone
        assert re.search(rf"^{page} +(\d+ +){{6}}\d+/\d+ +\d+$", out, re.MULTILINE), out
    assert re.search(r"region annual report \d{4}: .* (\d+) pages", out), out
