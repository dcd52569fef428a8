"""Case list latency and query count, through the real app on PostgreSQL.

    createdb yrd_bench
    export DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/yrd_bench YRD_DEMO=1
    .venv/bin/flask --app wsgi db upgrade
    .venv/bin/flask --app wsgi seed-bench --cases 100000
    .venv/bin/python -m benchmarks.case_list [--requests 30] [--clients 8]

Latency is measured over HTTP against gunicorn on a loopback port, run as README's
Production section runs it (four sync workers; `--workers` and `--threads` try others), with
one client, then eight concurrent clients; the SQL query count per page is counted
in-process with a `before_cursor_execute` listener around the same requests. Targets (issue
#26, at 1,000,000 cases): p95 at most 80 ms for the page and 50 ms for the API with one
client, 150 ms with eight; and a query count that does not grow with page size or number.

Beside each platform figure the same page is read as hand-written SQL on open psycopg
connections (the count up to the list's exact-count threshold, as the list counts, then the
page's rows with their agency code): the floor no framework can go below, from one
connection and from as many connections at once as there are clients. The ratio is the
platform's single-client median over the floor's.
"page 500 by key" is page 500 as page 499's Next link opens it (`after=`, the keyset; its
floor reads from the same key); its statement counts are those of page 500 by number.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import statistics
import sys
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import event, func, select

from app import create_app
from app.auth.models import User
from app.auth.passwords import DEMO_PASSWORD
from app.auth.services import create_token
from app.cases.models import Case, HistoryEntry
from app.cases.queries import EXACT_COUNT_UP_TO
from app.extensions import db
from benchmarks.common import percentile, postgres_from_environment, start_server, stop_server

SCENARIOS = [
    ("no filter", ""),
    ("state filter", "state=investigating"),
    ("search", "q=" + urllib.parse.quote("王")),
    ("title search", "q=" + urllib.parse.quote("临床试验")),  # a topic: one case in twenty
]
# The same filters as hand-written SQL, for the floor.
FLOOR_FILTERS = {
    "no filter": ("", ()),
    "state filter": (" AND c.state = %s", ("investigating",)),
    "search": (" AND c.search_text LIKE %s", ("%王%",)),
    "title search": (" AND c.search_text LIKE %s", ("%临床试验%",)),
}
FLOOR_PER_PAGE = 25
PAGES = (1, 500)
# Page 500 once more as its previous page's Next link opens it: from page 499's last case
# (`after`, the list's keyset) instead of counting 12,475 cases from the first.
BY_KEY = 500
# p95 targets in ms (issue #26): one client by kind of page, then concurrent clients.
SINGLE_TARGETS = {"html": 80, "api": 50}
CONCURRENT_TARGET = 150


def prepare(username: str) -> tuple[str, dict]:
    app = create_app({"WTF_CSRF_ENABLED": False})
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            sys.exit(f"no user {username}: run `flask seed-bench` (demo mode) first")
        token = create_token(user, name="benchmark")
        db.session.commit()
        sizes = {
            "cases": db.session.scalar(select(func.count()).select_from(Case)),
            "history": db.session.scalar(select(func.count()).select_from(HistoryEntry)),
        }
    return token, {"app": app, **sizes}


def count_queries(app, token: str, username: str) -> dict:
    """SQL statements per request, by URL, for a few page sizes and page numbers."""
    counter = {"n": 0}
    with app.app_context():
        engine = db.engine

    def on_execute(_conn, _cursor, statement, *_args):
        # A token's last use is written at most once a minute (auth.services.user_for_token):
        # on a loaded machine a minute passes within a run, whatever the page's size or number.
        if not statement.startswith("UPDATE api_tokens SET last_used_at"):
            counter["n"] += 1

    event.listen(engine, "before_cursor_execute", on_execute)
    client = app.test_client()
    client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
    results = {}
    client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})  # token first use
    try:
        for kind, base in (("html", "/cases"), ("api", "/api/v1/cases")):
            headers = {"Authorization": f"Bearer {token}"} if kind == "api" else {}
            for label, query in SCENARIOS:
                for page in PAGES:
                    for per_page in (10, 25, 100):
                        url = f"{base}?{query}&page={page}&per_page={per_page}"
                        counter["n"] = 0
                        response = client.get(url, headers=headers)
                        assert response.status_code == 200, (url, response.status_code)
                        results[(kind, label, page, per_page)] = counter["n"]
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
    return results


def floor_connections(username: str, clients: int):
    """A psycopg connection for each client, and the agency whose cases the user sees (an
    officer)."""
    import psycopg

    url = postgres_from_environment().replace("postgresql+psycopg://", "postgresql://", 1)
    connections = [psycopg.connect(url, autocommit=True) for _ in range(clients)]
    agency_id = (
        connections[0]
        .execute("SELECT agency_id FROM users WHERE username = %s", (username,))
        .fetchone()[0]
    )
    return connections, agency_id


def floor_page(connection, agency_id: int, label: str, page: int, key: str | None) -> float:
    """The list page's data by hand: the total up to the list's exact-count threshold (past
    it the list shows the planner's estimate), then one page of rows, newest first (with a
    `key`, the rows after that received date and id)."""
    where, params = FLOOR_FILTERS[label]
    started = time.perf_counter()
    connection.execute(
        f"SELECT count(*) FROM (SELECT 1 FROM cases c WHERE c.agency_id = %s{where} LIMIT %s) t",
        (agency_id, *params, EXACT_COUNT_UP_TO + 1),
    ).fetchone()
    offset = (page - 1) * FLOOR_PER_PAGE
    if key:
        day, case_id = key.split(".")
        where, params, offset = where + " AND (c.received_date, c.id) < (%s, %s)", (
            *params, day, int(case_id)), 0  # fmt: skip
    connection.execute(
        "SELECT c.reference, c.title, a.code, c.state, c.received_date, c.due_date "
        f"FROM cases c JOIN agencies a ON a.id = c.agency_id WHERE c.agency_id = %s{where} "
        "ORDER BY c.received_date DESC, c.id DESC LIMIT %s OFFSET %s",
        (agency_id, *params, FLOOR_PER_PAGE, offset),
    ).fetchall()
    return (time.perf_counter() - started) * 1000


def measure_floor(connections, agency_id, label, page, key, requests: int) -> list[float]:
    """The floor's latencies: `requests` from each connection, all connections at once."""

    def run(connection) -> list[float]:
        floor_page(connection, agency_id, label, page, key)
        return [floor_page(connection, agency_id, label, page, key) for _ in range(requests)]

    if len(connections) == 1:
        return run(connections[0])
    with ThreadPoolExecutor(len(connections)) as pool:
        return [ms for latencies in pool.map(run, connections) for ms in latencies]


def page_key(base: str, token: str, query: str) -> str | None:
    """The `after` key of page BY_KEY: what page BY_KEY - 1's Next link carries."""
    url = f"{base}/api/v1/cases?{query}&page={BY_KEY - 1}&per_page={FLOOR_PER_PAGE}"
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)["next_after"]


def html_session_cookie(base: str, username: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login").read().decode()
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {"username": username, "password": DEMO_PASSWORD, "csrf_token": csrf}
    ).encode()
    opener.open(f"{base}/login", data=form)
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def timed_get(url: str, headers: dict) -> float:
    request = urllib.request.Request(url, headers=headers)
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
        assert response.status == 200 and "/login" not in response.url, url
    return (time.perf_counter() - started) * 1000


def measure(url: str, headers: dict, requests: int, clients: int) -> list[float]:
    for _ in range(2):
        timed_get(url, headers)  # warm the worker's caches and connection pool
    if clients == 1:
        return [timed_get(url, headers) for _ in range(requests)]
    with ThreadPoolExecutor(clients) as pool:
        return list(pool.map(lambda _i: timed_get(url, headers), range(requests * clients)))


def warm_workers(base: str, auth: dict, workers: int) -> None:
    """Every worker's first pages of each kind before anything is timed: a worker's first
    request compiles the templates, loads the catalogues and opens its connection (a 336 ms
    p95 on the first scenario's single client at 100,000 cases). `measure`'s two warming
    requests reach at most two of the workers, so here each scenario's first pages are asked
    `workers * 2` at a time, which keeps every sync worker busy at once."""
    urls = [
        f"{base}{path}?{query}&page={page}&per_page=25"
        for path in ("/cases", "/api/v1/cases")
        for _label, query in SCENARIOS
        for page in (1, 2)
    ]
    with ThreadPoolExecutor(workers * 2) as pool:
        for url in urls:
            headers = auth["api" if "/api/" in url else "html"]
            list(pool.map(timed_get, [url] * workers * 2, [headers] * workers * 2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--user", default="sh-officer")
    parser.add_argument("--port", type=int, default=8765)
    # README's production command: four sync workers. Threads share one process's GIL, so
    # 2 workers x 4 threads left the pages of one worker waiting for one core while the
    # other worker's core idled (8 clients, HTML p95 144-570 ms against 87-187 ms).
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--requests", type=int, default=30, help="per scenario and client")
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    postgres_from_environment()
    token, info = prepare(args.user)
    print(f"database: {info['cases']:,} cases, {info['history']:,} history rows; user {args.user}")
    queries = count_queries(info["app"], token, args.user)
    connections, agency_id = floor_connections(args.user, args.clients)
    server = start_server(args.port, args.workers, args.threads, dict(os.environ, YRD_DEMO="1"))
    base = f"http://127.0.0.1:{args.port}"
    try:
        auth = {
            "html": {"Cookie": html_session_cookie(base, args.user)},
            "api": {"Authorization": f"Bearer {token}"},
        }
        warm_workers(base, auth, args.workers * args.threads)
        print(
            f"gunicorn {args.workers} workers x {args.threads} threads; "
            f"{args.requests} requests per client; latency in ms"
        )
        header = (
            f"{'page':<6}{'what':<14}{'scenario':<18}{'queries (10/25/100 per page)':<30}"
            f"{'1 client med':>13}{'p95':>8}{f'{args.clients} clients med':>16}{'p95':>8}"
            f"{'SQL floor med':>15}{f'{args.clients} p95':>8}{'ratio':>8}{'load':>7}"
        )
        print(header)
        print("-" * len(header))
        p95s: dict[tuple[str, int], list[float]] = {}  # by kind and number of clients
        floors: dict[tuple, tuple[list[float], list[float]]] = {}
        floor_p95s: list[float] = []  # one connection per client
        each = args.requests
        ratios: list[float] = []
        keys = {label: page_key(base, token, query) for label, query in SCENARIOS}
        for kind, path in (("html", "/cases"), ("api", "/api/v1/cases")):
            for label, query in SCENARIOS:
                for page, by_key in ((1, False), (500, False), (BY_KEY, True)):
                    key = keys[label] if by_key else None
                    if by_key and key is None:
                        continue  # page BY_KEY - 1 is the last: no Next link
                    after = f"&after={key}" if key else ""
                    url = f"{base}{path}?{query}&page={page}&per_page=25{after}"
                    single = measure(url, auth[kind], args.requests, 1)
                    many = measure(url, auth[kind], args.requests, args.clients)
                    if (label, page, key) not in floors:  # the same for the page and the API
                        floors[(label, page, key)] = (
                            measure_floor(connections[:1], agency_id, label, page, key, each),
                            measure_floor(connections, agency_id, label, page, key, each),
                        )
                        floor_p95s.append(percentile(floors[(label, page, key)][1], 95))
                    floor, floor_many = floors[(label, page, key)]
                    counts = "/".join(str(queries[(kind, label, page, n)]) for n in (10, 25, 100))
                    name = f"page {page}" + (" by key" if key else "")
                    p95s.setdefault((kind, 1), []).append(percentile(single, 95))
                    p95s.setdefault((kind, args.clients), []).append(percentile(many, 95))
                    ratio = statistics.median(single) / max(statistics.median(floor), 0.001)
                    ratios.append(ratio)
                    print(
                        f"{kind:<6}{label:<14}{name:<18}{counts:<30}"
                        f"{statistics.median(single):>13.1f}{percentile(single, 95):>8.1f}"
                        f"{statistics.median(many):>16.1f}{percentile(many, 95):>8.1f}"
                        f"{statistics.median(floor):>15.1f}{percentile(floor_many, 95):>8.1f}"
                        f"{ratio:>7.1f}x{os.getloadavg()[0]:>7.1f}"
                    )
        constant = all(
            len({n for (k, lab, _p, _s), n in queries.items() if (k, lab) == key}) == 1
            for key in {(k, lab) for (k, lab, _p, _s) in queries}
        )
        for (kind, clients), values in p95s.items():
            target = SINGLE_TARGETS[kind] if clients == 1 else CONCURRENT_TARGET
            met = sum(value <= target for value in values)
            print(
                f"{kind} p95, {clients} client{'s' if clients > 1 else ''}: worst "
                f"{max(values):.1f} ms; at most {target} ms in {met} of {len(values)} scenarios"
            )
        met = sum(value <= CONCURRENT_TARGET for value in floor_p95s)
        print(
            f"hand-written SQL p95, {args.clients} connections at once: worst "
            f"{max(floor_p95s):.1f} ms; at most {CONCURRENT_TARGET} ms in {met} of "
            f"{len(floor_p95s)} scenarios"
        )
        print(
            f"platform over hand-written SQL (median of the rows): {statistics.median(ratios):.1f}x"
            f", from {min(ratios):.1f}x to {max(ratios):.1f}x"
        )
        print("load average during the run: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
        print(f"query count constant in page size and page number: {constant}")
    finally:
        for connection in connections:
            connection.close()
        stop_server(server)


if __name__ == "__main__":
    main()
