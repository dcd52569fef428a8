"""Dashboard with its work queues: latency and query count, through the real app on PostgreSQL.

    export DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/yrd_bench YRD_DEMO=1
    .venv/bin/flask --app wsgi db upgrade
    .venv/bin/flask --app wsgi seed-bench --cases 100000
    .venv/bin/python -m benchmarks.dashboard [--requests 30]

The budget is the case list's: the same run measures `/cases` (the case-list benchmark's
page, p95 target 150 ms single client) beside the dashboard of an officer, a supervisor
("waiting for my decision"), each over HTTP
against gunicorn. The floor is the queue itself as hand-written SQL on one psycopg
connection: the count of the agency's cases in the states a supervisor decides in, and the
20 oldest. The query count per dashboard is counted in-process and must not depend on how
many cases wait.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from sqlalchemy import event

from app.auth.passwords import DEMO_PASSWORD
from app.extensions import db
from benchmarks.case_list import (
    floor_connections,
    html_session_cookie,
    measure,
    prepare,
)
from benchmarks.common import percentile, postgres_from_environment, start_server, stop_server

USERS = ("sh-officer", "sh-supervisor")  # sh-admin signs in with a second factor
# The states in which a supervisor's step is awaited (accept, open, decide, …).
SUPERVISOR_STATES = (
    "received",
    "preliminary_review",
    "findings",
    "pre_decision_notice",
    "under_review",
)


def queries_per_dashboard(app, username: str) -> int:
    counter = {"n": 0}
    with app.app_context():
        engine = db.engine

    def on_execute(*_args):
        counter["n"] += 1

    client = app.test_client()
    client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
    client.get("/")
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        response = client.get("/")
        assert response.status_code == 200, response.status_code
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
    return counter["n"]


def floor_queue(connection, agency_id: int) -> float:
    started = time.perf_counter()
    connection.execute(
        "SELECT count(*) FROM cases WHERE agency_id = %s AND state = ANY(%s)",
        (agency_id, list(SUPERVISOR_STATES)),
    ).fetchone()
    connection.execute(
        "SELECT reference, title, state, state_since FROM cases "
        "WHERE agency_id = %s AND state = ANY(%s) ORDER BY state_since, id LIMIT 20",
        (agency_id, list(SUPERVISOR_STATES)),
    ).fetchall()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    postgres_from_environment()
    _token, info = prepare(USERS[0])
    app = info["app"]
    print(f"database: {info['cases']:,} cases, {info['history']:,} history rows")
    counts = {user: queries_per_dashboard(app, user) for user in USERS}
    (connection,), agency_id = floor_connections(USERS[1], 1)
    for _ in range(2):
        floor_queue(connection, agency_id)
    floor = [floor_queue(connection, agency_id) for _ in range(args.requests)]
    floor_load = os.getloadavg()[0]
    server = start_server(args.port, args.workers, args.threads, dict(os.environ, YRD_DEMO="1"))
    base = f"http://127.0.0.1:{args.port}"
    try:
        print(f"{'page':<28}{'queries':>8}{'med ms':>9}{'p95 ms':>9}{'vs floor':>10}{'load':>7}")
        budget = measure(
            f"{base}/cases?per_page=25",
            {"Cookie": html_session_cookie(base, USERS[0])},
            args.requests,
            1,
        )
        print(
            f"{'case list (the budget)':<28}{'':>8}{statistics.median(budget):>9.1f}"
            f"{percentile(budget, 95):>9.1f}{'':>10}{os.getloadavg()[0]:>7.1f}"
        )
        worst = 0.0
        for user in USERS:
            cookie = {"Cookie": html_session_cookie(base, user)}
            times = measure(f"{base}/", cookie, args.requests, 1)
            worst = max(worst, percentile(times, 95))
            ratio = statistics.median(times) / max(statistics.median(floor), 0.001)
            print(
                f"{'dashboard ' + user:<28}{counts[user]:>8}{statistics.median(times):>9.1f}"
                f"{percentile(times, 95):>9.1f}{ratio:>9.1f}x{os.getloadavg()[0]:>7.1f}"
            )
        print(f"{'queue as raw SQL (floor)':<28}{'':>8}{statistics.median(floor):>9.1f}"
              f"{percentile(floor, 95):>9.1f}{'':>10}{floor_load:>7.1f}")  # fmt: skip
        print(
            f"worst dashboard p95 {worst:.1f} ms against the case list's p95 "
            f"{percentile(budget, 95):.1f} ms (target 150 ms)"
        )
    finally:
        stop_server(server)


if __name__ == "__main__":
    main()
