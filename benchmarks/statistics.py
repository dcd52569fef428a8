"""Statistics pages and the region's annual report, on PostgreSQL with seed-bench data.

    createdb yrd_bench
    export DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/yrd_bench YRD_DEMO=1
    .venv/bin/flask --app wsgi db upgrade
    .venv/bin/flask --app wsgi seed-bench --cases 100000
    .venv/bin/python -m benchmarks.statistics --records 100000 [--runs 20] [--explain]

`--records N` first adds the records benchmark data once (it writes to the database): N
integrity records received from a peer node, decided by the four agencies and taking effect
over the past seven years, as the exchange benchmark stores them, and for every decided or
closed case a sanction and a published local record, so the records, sanctions and
institution figures count real rows.

Each page (agency, region, institution profile) is requested in-process through the real
app, one client, and timed; beside it, the SQL statements that page ran (recorded with a
`before_cursor_execute` listener) are run again alone on a raw connection, so the
difference is what Python, the small-count rule, the charts and the template cost. The
figures' own statements (those `compute_tables` runs) are timed apart from the page's
others (sign-in, navigation badges). `--explain` prints each figure statement's time, the
slowest first, with its plan. Then one region annual report for last year is built and laid
out (the background job's work).
Targets: page p95 at most 300 ms; the region report at most 10 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from sqlalchemy import event, func, select, text

from app import create_app
from app.auth.models import User
from app.auth.passwords import DEMO_PASSWORD
from app.cases.models import Case, Party
from app.core.calendar import today
from app.extensions import db
from app.records.models import IntegrityRecord
from benchmarks.common import percentile, postgres_from_environment


def record_statements(app, client, url: str) -> tuple[list, list]:
    """The page's statements, and those of them its figures ran (inside compute_tables)."""
    import app.statistics.views as views

    with app.app_context():
        engine = db.engine
    seen: list[tuple[str, object]] = []
    figures: list[tuple[str, object]] = []
    inside = [False]

    def on_execute(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, parameters))
            if inside[0]:
                figures.append((statement, parameters))

    def compute_tables(scope):
        inside[0] = True
        try:
            return original(scope)
        finally:
            inside[0] = False

    original = views.compute_tables
    views.compute_tables = compute_tables
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        assert client.get(url).status_code == 200, url
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        views.compute_tables = original
    return seen, figures


def explain(app, statements) -> None:
    with app.app_context():
        engine = db.engine
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        timed = []
        for statement, parameters in statements:
            with raw.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                plan = [row[0] for row in cursor.fetchall()]
            took = float(plan[-1].split(":")[1].split()[0])
            timed.append((took, " ".join(statement.split()), plan))
        raw.rollback()
    for took, statement, plan in sorted(timed, reverse=True):
        print(f"  {took:7.2f} ms  {statement[:160]}")
        print("\n".join(f"             {line}" for line in plan[:-2]))


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


def add_records(count: int) -> None:
    """The records benchmark data, once: received records decided by the four agencies, and
    a sanction and a published record for every decided or closed case."""
    import datetime as dt
    import random
    import uuid

    from app.auth.models import Agency
    from app.cases.models import CaseState, Sanction, SanctionType
    from app.records.models import IntegrityRecord, RecordStatus
    from app.statistics.counts import recount_sanctions

    if db.session.scalar(select(func.count()).where(IntegrityRecord.origin_node == "bench-peer")):
        return
    rng = random.Random(13)
    agencies = list(
        db.session.scalars(select(Agency).where(Agency.is_platform.is_(False)).order_by(Agency.id))
    )
    first = today() - dt.timedelta(days=7 * 365)
    for start in range(0, count, 5000):
        rows = []
        for i in range(start, min(start + 5000, count)):
            effective = first + dt.timedelta(days=rng.randrange(7 * 365))
            rows.append(
                {
                    "record_uid": str(uuid.uuid4()),
                    "origin_node": "bench-peer",
                    "is_local": False,
                    "deciding_agency": rng.choice(agencies).name_zh,
                    "subject_name": f"受检人{i}",
                    "status": RecordStatus.active if i % 3 else RecordStatus.expired,
                    "current_version": 1,
                    "effective_date": effective,
                    "term_end": effective + dt.timedelta(days=3 * 365),
                    "lifetime": False,
                    "draft": {},
                    "payload": {"conduct": "抄袭"},
                }
            )
        db.session.execute(IntegrityRecord.__table__.insert(), rows)
    decided = db.session.execute(
        select(Case.id, Case.agency_id, Case.decided_on, Party.id, Party.name)
        .join(Party, Party.case_id == Case.id)
        .where(Case.state.in_([CaseState.decided, CaseState.closed]), Case.decided_on.is_not(None))
    ).all()
    names = {a.id: a.name_zh for a in agencies}
    types = list(SanctionType)
    for start in range(0, len(decided), 5000):
        chunk = decided[start : start + 5000]
        sanctions, records = [], []
        for case_id, agency_id, decided_on, party_id, name in chunk:
            end = decided_on + dt.timedelta(days=rng.choice((365, 730, 1095)))
            sanctions.append(
                {
                    "case_id": case_id,
                    "party_id": party_id,
                    "sanction_type": rng.choice(types),
                    "start_date": decided_on,
                    "end_date": end,
                    "lifetime": False,
                }
            )
            records.append(
                {
                    "record_uid": str(uuid.uuid4()),
                    "origin_node": "bench-local",
                    "is_local": True,
                    "case_id": case_id,
                    "party_id": party_id,
                    "agency_id": agency_id,
                    "deciding_agency": names[agency_id],
                    "subject_name": name,
                    "status": RecordStatus.active,
                    "current_version": 1,
                    "effective_date": decided_on,
                    "term_end": end,
                    "lifetime": False,
                    "draft": {},
                    "payload": {"conduct": "抄袭"},
                }
            )
        db.session.execute(Sanction.__table__.insert(), sanctions)
        db.session.execute(IntegrityRecord.__table__.insert(), records)
    recount_sanctions()  # written past refresh_summary: their facets and running counts
    db.session.commit()


def percentiles(values: list[float]) -> str:
    return f"{percentile(values, 50) * 1000:8.0f} {percentile(values, 95) * 1000:8.0f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--user", default="sh-supervisor")
    parser.add_argument("--records", type=int, default=0, help="add the records data (once)")
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    postgres_from_environment()
    app = create_app({"WTF_CSRF_ENABLED": False})
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == args.user))
        if user is None:
            sys.exit(f"no user {args.user}: run `flask seed-bench` (demo mode) first")
        if args.records:
            add_records(args.records)
        cases = db.session.scalar(select(func.count()).select_from(Case))
        records = db.session.scalar(select(func.count()).select_from(IntegrityRecord))
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
    print(f"{cases} cases, {records} records; {args.runs} runs each, one client, in-process;")
    print(f"year {year}; load average {load} on {os.cpu_count()} cores")
    print(
        f"{'page':<12} {'p50 ms':>8} {'p95 ms':>8} {'SQL p50':>8} {'SQL p95':>8}"
        f" {'fig p50':>8} {'fig p95':>8} {'stmts':>9} {'CPU p50':>8}"
    )
    plans = {}
    for name, url in pages.items():
        client.get(url)  # warm: chart renderer, fonts, caches
        statements, figures = record_statements(app, client, url)
        page, cpu = time_page(client, url, args.runs)
        raw = time_raw(app, statements, args.runs)
        own = time_raw(app, figures, args.runs)
        plans[name] = figures
        print(
            f"{name:<12} {percentiles(page)} {percentiles(raw)} {percentiles(own)}"
            f" {len(figures):4d}/{len(statements):<4d} {percentile(cpu, 50) * 1000:8.0f}"
        )
    print("(SQL: every statement of the page as raw SQL; fig: the figures' statements alone)")
    if args.explain:
        for name, figures in plans.items():
            print(f"-- {name}: the figures' statements, slowest first")
            explain(app, figures)
    with app.test_request_context():
        from app.statistics.reports import build_report

        user = db.session.scalar(select(User).where(User.username == args.user))
        t0, c0 = time.perf_counter(), time.process_time()
        pdf, pages_count, _id = build_report(user, "region", year, "zh")
        elapsed, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"region annual report {year}: {elapsed:.1f} s ({cpu_s:.1f} s CPU), {pages_count} pages,"
        f" {len(pdf)} bytes; load average {load}"
    )


if __name__ == "__main__":
    main()
