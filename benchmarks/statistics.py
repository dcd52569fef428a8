"""Statistics pages and the region's annual report, on PostgreSQL with seed-bench data.

    createdb yrd_bench
    export DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/yrd_bench YRD_DEMO=1
    .venv/bin/flask --app wsgi db upgrade
    .venv/bin/flask --app wsgi seed-bench --cases 100000
    .venv/bin/python benchmarks/statistics.py

Each page (agency, region, institution profile) is requested in-process through the real
app, one client, and timed; beside it, the SQL statements that page ran (recorded with a
`before_cursor_execute` listener) are run again alone on a raw connection, so the
difference is what Python, the small-count rule, the charts and the template cost. Then one
region annual report for last year is built and laid out (the background job's work).
Targets: page p95 at most 300 ms; the region report at most 10 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from sqlalchemy import event, func, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # not benchmarks/: this file would shadow the statistics module

from app import create_app  # noqa: E402
from app.auth.models import User  # noqa: E402
from app.auth.passwords import DEMO_PASSWORD  # noqa: E402
from app.cases.models import Case, Party  # noqa: E402
from app.core.calendar import today  # noqa: E402
from app.extensions import db  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def record_statements(app, client, url: str) -> list[tuple[str, object]]:
    with app.app_context():
        engine = db.engine
    seen: list[tuple[str, object]] = []

    def on_execute(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        assert client.get(url).status_code == 200, url
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
    return seen


def time_raw(app, statements, runs: int) -> list[float]:
    with app.app_context():
        engine = db.engine
    times = []
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        for _ in range(runs):
            t0 = time.perf_counter()
            with raw.cursor() as cursor:
                for statement, parameters in statements:
                    cursor.execute(statement, parameters)
                    cursor.fetchall()
            times.append(time.perf_counter() - t0)
        raw.rollback()
    return times


def time_page(client, url: str, runs: int) -> tuple[list[float], list[float]]:
    """Wall times, and this process's CPU times (Python's share: what an idle machine
    would take of it, whatever else shares the cores)."""
    times, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        response = client.get(url)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        assert response.status_code == 200, (url, response.status_code)
    return times, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--user", default="sh-supervisor")
    args = parser.parse_args()
    app = create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == args.user))
        if user is None:
            sys.exit(f"no user {args.user}: run `flask seed-bench` (demo mode) first")
        cases = db.session.scalar(select(func.count()).select_from(Case))
        institution = db.session.scalar(
            select(Party.institution)
            .join(Case, Case.id == Party.case_id)
            .where(Case.agency_id == user.agency_id, Party.institution.is_not(None))
            .limit(1)
        )
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    client = app.test_client()
    client.post("/login", data={"username": args.user, "password": DEMO_PASSWORD})
    year = today().year - 1
    pages = {
        "agency": f"/statistics?year={year}",
        "region": f"/statistics/region?year={year}",
        "institution": f"/statistics/institution?name={institution}",
    }
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{cases} cases; {args.runs} runs each, one client, in-process; year {year}")
    print(f"load average {load} on {os.cpu_count()} cores")
    print(
        f"{'page':<12} {'p50 ms':>8} {'p95 ms':>8} {'SQL p50':>8} {'SQL p95':>8} {'stmts':>6}"
        f" {'CPU p50':>8}"
    )
    for name, url in pages.items():
        client.get(url)  # warm: chart renderer, fonts, caches
        statements = record_statements(app, client, url)
        page, cpu = time_page(client, url, args.runs)
        raw = time_raw(app, statements, args.runs)
        print(
            f"{name:<12} {percentile(page, 50) * 1000:8.0f} {percentile(page, 95) * 1000:8.0f}"
            f" {percentile(raw, 50) * 1000:8.0f} {percentile(raw, 95) * 1000:8.0f}"
            f" {len(statements):6d} {percentile(cpu, 50) * 1000:8.0f}"
        )
    with app.test_request_context():
        from app.statistics.reports import build_report

        user = db.session.scalar(select(User).where(User.username == args.user))
        t0, c0 = time.perf_counter(), time.process_time()
        pdf, pages_count, _id = build_report(user, "region", year, "zh")
        elapsed, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"region annual report {year}: {elapsed:.1f} s ({cpu_s:.1f} s CPU), {pages_count} pages,"
        f" {len(pdf)} bytes"
    )


if __name__ == "__main__":
    main()
