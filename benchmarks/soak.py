"""An hour under load, with failures: the whole platform on loopback, mixed clients of the
four agencies, and during the run a worker killed mid-job, Redis restarted and PostgreSQL
restarted, at known times.

    sudo .venv/bin/python -m benchmarks.soak [--minutes 60] [--clients 8] [--workers 3]
        [--pg-port 5440] [--redis-port 6390] [--web-port 5090] [--keep]

Everything is the run's own and bounded: a PostgreSQL cluster made with `initdb` in a
temporary folder (the server binaries under /usr/lib/postgresql/*/bin, run as the
`postgres` user when started as root), a `redis-server` with an append-only file, the
migrations and the demo data, gunicorn, two `rq worker` processes and `rq cron` (the
periodic jobs, among them the recovery of jobs whose worker died). Nothing listens beyond
127.0.0.1; everything is stopped and the folder removed at the end (`--keep` leaves it).

The clients act as real ones do: API tokens for registration, workflow steps and reads;
signed-in browser sessions posting forms with their CSRF token for evidence uploads and
dossier requests; and the records' integrity check. Every write the platform acknowledged
is kept in a ledger and looked up in the database at the end.

At 25 % of the run a worker is killed (SIGKILL, it and its work-horse) while it runs a
dossier and started again under a new name; at 50 % Redis is stopped for a while and
started again; at 75 % PostgreSQL likewise. An outage window lasts from the stop until
the service answers again, plus a grace period. The report: requests, 5xx outside the
windows (target 0), 5xx inside them and whether each was a clear 503 page or problem (never
a traceback), acknowledged writes missing afterwards (target 0), dossier jobs not finished
(target 0), duplicated reference numbers (target 0), and `flask audit verify`.
"""

from __future__ import annotations

import argparse
import base64
import collections
import contextlib
import datetime as dt
import glob
import hashlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
AGENCIES = ("SH", "JS", "ZJ", "AH")
PASSWORD = "demo-password"
OUTAGE_GRACE = 10.0  # seconds after a service answers again that still count as its outage
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|File \"/|sqlalchemy\.exc|psycopg\.")


def log(message: str) -> None:
    print(f"[{dt.datetime.now(dt.UTC):%H:%M:%S}] {message}", flush=True)


# ---------------------------------------------------------------------------------------
# The services


def pg_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    if not found:
        sys.exit("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
    return Path(found[-1]).parent


def _version(path: str) -> int:
    return int(re.search(r"postgresql/(\d+)", path).group(1))


def as_postgres(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root the commands run as `postgres`."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def wait_port(port: int, timeout: float = 60.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


class Postgres:
    def __init__(self, folder: Path, port: int):
        self.bin = pg_bin()
        self.data = folder / "pgdata"
        self.socket_dir = folder / "pgsock"
        self.logfile = folder / "postgres.log"
        self.port = port

    def init(self) -> None:
        for path in (self.data, self.socket_dir):
            path.mkdir()
        self.logfile.touch()
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres")
            shutil.chown(self.socket_dir, "postgres")
            shutil.chown(self.logfile, "postgres")
        subprocess.run(
            as_postgres(
                [
                    str(self.bin / "initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--no-locale",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def _ctl(self, *args: str) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.socket_dir} "
            "-c max_connections=100 -c shared_buffers=64MB"
        )
        subprocess.run(
            as_postgres(
                [
                    str(self.bin / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.logfile),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    "120",
                    *args,
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def start(self) -> None:
        self._ctl("start")

    def stop(self) -> None:
        self._ctl("stop", "-m", "fast")


class Redis:
    def __init__(self, folder: Path, port: int):
        self.folder = folder / "redis"
        self.folder.mkdir()
        self.port = port
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        # Durable as in production: an append-only file, flushed every second, so a restart
        # keeps the queues (a Redis that forgets them on restart loses jobs by design).
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.folder),
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--save",
                "",
                "--protected-mode",
                "yes",
            ],
            stdout=open(self.folder / "redis.log", "ab"),  # noqa: SIM115  (the process's)
            stderr=subprocess.STDOUT,
        )
        if not wait_port(self.port, 30):
            raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: Redis flushes its append-only file and exits
            self.proc.wait(30)


class Process:
    """A long-running process the run supervises (as systemd would): started again when it
    exits by itself; every such exit is counted."""

    def __init__(self, name: str, cmd: list[str], env: dict, logdir: Path):
        self.name, self.cmd, self.env, self.logdir = name, cmd, env, logdir
        self.proc: subprocess.Popen | None = None
        self.unexpected_exits = 0
        self.wanted = False

    def start(self) -> None:
        self.wanted = True
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            self.cmd,
            env=self.env,
            cwd=ROOT,
            stdout=open(self.logdir / f"{self.name}.log", "ab"),  # noqa: SIM115  (the process's)
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def check(self) -> None:
        if self.wanted and self.proc is not None and self.proc.poll() is not None:
            if time.monotonic() - self.started < 5:  # as systemd's RestartSec
                return
            self.unexpected_exits += 1
            log(f"{self.name} exited by itself (code {self.proc.returncode}); started again")
            self.start()

    def stop(self) -> None:
        self.wanted = False
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)


def children(pid: int) -> list[int]:
    found = []
    for task in glob.glob(f"/proc/{pid}/task/*/children"):
        with contextlib.suppress(OSError):
            found += [int(p) for p in Path(task).read_text().split()]
    return found


# ---------------------------------------------------------------------------------------
# What the clients saw


@dataclass
class Outage:
    name: str
    start: float
    end: float | None = None


@dataclass
class Figures:
    requests: int = 0
    by_status: collections.Counter = field(default_factory=collections.Counter)
    by_kind: collections.Counter = field(default_factory=collections.Counter)
    errors_outside: list = field(default_factory=list)  # (time, kind, status, excerpt)
    errors_inside: list = field(default_factory=list)  # (outage, kind, status, clear)
    connection_errors_outside: list = field(default_factory=list)
    connection_errors_inside: int = 0
    latencies: list = field(default_factory=list)


class Ledger:
    """Every write the platform acknowledged, to be found in the database at the end."""

    def __init__(self):
        self.lock = threading.Lock()
        self.cases: dict[str, str] = {}  # reference -> title
        self.states: dict[str, tuple[str, int]] = {}  # reference -> (state, version) last acked
        self.evidence: list[tuple[str, str]] = []  # (reference, sha256)
        self.dossiers: collections.Counter = collections.Counter()  # (reference, username)
        self.physical: list[tuple[str, str]] = []  # (reference, title)


class Run:
    def __init__(self, base: str, started: float):
        self.base = base
        self.started = started
        self.lock = threading.Lock()
        self.figures = Figures()
        self.ledger = Ledger()
        self.outages: list[Outage] = []
        self.stop = threading.Event()
        self.bodies_kept = 0
        self.folder: Path | None = None

    def in_outage(self, at: float) -> Outage | None:
        for o in self.outages:
            end = o.end + OUTAGE_GRACE if o.end is not None else float("inf")
            if o.start <= at <= end:
                return o
        return None

    def note(self, kind: str, response: requests.Response | None, at: float, took: float):
        with self.lock:
            f = self.figures
            f.requests += 1
            f.by_kind[kind] += 1
            outage = self.in_outage(at) or self.in_outage(time.monotonic())
            if response is None:
                f.by_status["connection error"] += 1
                if outage:
                    f.connection_errors_inside += 1
                else:
                    f.connection_errors_outside.append((round(at - self.started, 1), kind))
                return
            f.by_status[response.status_code] += 1
            f.latencies.append(took)
            if response.status_code < 500:
                return
            body = response.text
            clear = response.status_code == 503 and not TRACEBACK.search(body)
            clear = clear and (
                "application/problem+json" in response.headers.get("Content-Type", "")
                or "<html" in body.lower()
            )
            self._keep_body(kind, response)
            if outage:
                f.errors_inside.append((outage.name, kind, response.status_code, clear))
            else:
                f.errors_outside.append(
                    (round(at - self.started, 1), kind, response.status_code, body[:300])
                )

    def _keep_body(self, kind: str, response) -> None:
        if self.folder is None or self.bodies_kept >= 40:
            return
        self.bodies_kept += 1
        name = f"5xx-{self.bodies_kept:02d}-{kind}-{response.status_code}.txt"
        (self.folder / "bodies").mkdir(exist_ok=True)
        (self.folder / "bodies" / name).write_text(
            f"{response.request.method} {response.url}\n{dict(response.headers)}\n\n"
            + response.text
        )


# ---------------------------------------------------------------------------------------
# The clients


class Client:
    """One person of an agency: an API token and a signed-in browser session."""

    def __init__(self, run: Run, agency: str, token: str, username: str, seed: int):
        self.run, self.agency, self.token, self.username = run, agency, token, username
        self.rng = random.Random(seed)
        self.api = requests.Session()
        self.api.headers["Authorization"] = f"Bearer {token}"
        self.web = requests.Session()
        self.csrf: str | None = None
        self.cases: list[dict] = []  # {"reference", "version", "state"}

    def call(self, kind: str, method: str, path: str, session=None, **kwargs):
        session = session or self.api
        at = time.monotonic()
        try:
            response = session.request(
                method, self.run.base + path, timeout=60, allow_redirects=False, **kwargs
            )
        except requests.RequestException:
            self.run.note(kind, None, at, time.monotonic() - at)
            return None
        self.run.note(kind, response, at, time.monotonic() - at)
        return response

    # -- the browser session

    def sign_in(self) -> bool:
        page = self.call("web:login-page", "GET", "/login", self.web)
        if page is None or page.status_code != 200:
            return False
        token = CSRF.search(page.text)
        data = {"csrf_token": token.group(1), "username": self.username, "password": PASSWORD}
        done = self.call("web:login", "POST", "/login", self.web, data=data)
        if done is None or done.status_code != 302:
            return False
        home = self.call("web:dashboard", "GET", "/", self.web)
        if home is None or home.status_code != 200:
            return False
        found = CSRF.search(home.text)
        self.csrf = found.group(1) if found else None
        return self.csrf is not None

    def _signed_in(self) -> bool:
        return self.csrf is not None or self.sign_in()

    # -- actions

    def register(self) -> None:
        marker = f"SOAK-{self.agency}-{self.rng.getrandbits(48):012x}"
        body = {
            "title": f"关于论文涉嫌数据造假的举报 {marker}",
            "source": self.rng.choice(["online", "letter", "phone"]),
            "received_date": dt.date.today().isoformat(),
            "summary": "举报称图表存在拼接痕迹。",
            "respondents": [
                {
                    "name": "王芳",
                    "party_type": "person",
                    "id_type": "resident_id",
                    "id_number": "320102198502023456",
                    "institution": "南京大学",
                    "position": "副教授",
                }
            ],
            "allegations": [
                {
                    "misconduct_type": "fabrication_falsification",
                    "description": "论文图3与图5存在重复使用。",
                }
            ],
        }
        r = self.call("api:register", "POST", "/api/v1/cases", json=body)
        if r is not None and r.status_code == 201:
            case = r.json()
            with self.run.ledger.lock:
                self.run.ledger.cases[case["reference"]] = body["title"]
                self.run.ledger.states[case["reference"]] = (case["state"], case["version"])
            self.cases.append(
                {"reference": case["reference"], "version": case["version"], "state": "received"}
            )

    def step(self) -> None:
        open_ = [c for c in self.cases if c["state"] == "received"]
        if not open_:
            return self.register()
        case = self.rng.choice(open_)
        r = self.call(
            "api:transition",
            "POST",
            f"/api/v1/cases/{case['reference']}/transitions",
            json={"to": "preliminary_review", "version": case["version"]},
        )
        if r is not None and r.status_code == 200:
            moved = r.json()
            case.update(state=moved["state"], version=moved["version"])
            with self.run.ledger.lock:
                self.run.ledger.states[case["reference"]] = (moved["state"], moved["version"])
        elif r is not None and r.status_code in (409, 404):
            self.refresh(case)
        return None

    def refresh(self, case: dict) -> None:
        r = self.call("api:case", "GET", f"/api/v1/cases/{case['reference']}")
        if r is not None and r.status_code == 200:
            data = r.json()
            case.update(state=data["state"], version=data["version"])

    def read(self) -> None:
        choice = self.rng.random()
        if choice < 0.4:
            self.call("api:list", "GET", "/api/v1/cases?per_page=25&sort=received&dir=desc")
        elif choice < 0.7 and self.cases:
            self.refresh(self.rng.choice(self.cases))
        elif choice < 0.85 and self._signed_in():
            self.call("web:case-list", "GET", "/cases", self.web)
        elif self._signed_in() and self.cases:
            ref = self.rng.choice(self.cases)["reference"]
            self.call("web:case-page", "GET", f"/cases/{ref}", self.web)

    def upload(self) -> None:
        if not self.cases or not self._signed_in():
            return
        case = self.rng.choice(self.cases)
        content = (
            f"证据材料 {case['reference']} {time.time_ns()} {self.rng.getrandbits(64):x}\n" * 20
        ).encode()
        r = self.call(
            "web:evidence-upload",
            "POST",
            f"/cases/{case['reference']}/evidence",
            self.web,
            data={"csrf_token": self.csrf, "title": "原始数据", "visibility": "internal"},
            files={"files": ("data.txt", content, "text/plain")},
        )
        if r is not None and r.status_code == 302 and "/evidence" in r.headers.get("Location", ""):
            with self.run.ledger.lock:
                self.run.ledger.evidence.append(
                    (case["reference"], hashlib.sha256(content).hexdigest())
                )
        elif r is not None and r.status_code == 400 and "csrf" in r.text.lower():
            self.csrf = None

    def dossier(self) -> None:
        if not self.cases or not self._signed_in():
            return
        case = self.rng.choice(self.cases)
        r = self.call(
            "web:dossier",
            "POST",
            f"/cases/{case['reference']}/dossiers",
            self.web,
            data={"csrf_token": self.csrf, "level": "internal"},
        )
        if r is not None and r.status_code == 302 and "#dossiers" in r.headers.get("Location", ""):
            with self.run.ledger.lock:
                self.run.ledger.dossiers[(case["reference"], self.username)] += 1

    def integrity_check(self) -> None:
        self.call(
            "api:integrity-check",
            "GET",
            "/api/v1/integrity-check",
            params={"name": "王芳", "id_type": "resident_id", "id_number": "320102198502023456"},
        )

    def loop(self, pause: float, dossier_every: float) -> None:
        next_dossier = time.monotonic() + self.rng.uniform(5, dossier_every)
        actions = [
            (self.register, 0.18),
            (self.step, 0.17),
            (self.read, 0.45),
            (self.upload, 0.12),
            (self.integrity_check, 0.08),
        ]
        while not self.run.stop.is_set():
            if time.monotonic() >= next_dossier:
                self.dossier()
                next_dossier = time.monotonic() + self.rng.uniform(0.5, 1.5) * dossier_every
            else:
                fn = self.rng.choices([a for a, _ in actions], [w for _, w in actions])[0]
                fn()
            self.run.stop.wait(self.rng.uniform(0.5, 1.5) * pause)


# ---------------------------------------------------------------------------------------
# Setting up, failing, checking


def environment(folder: Path, pg_port: int, redis_port: int) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgresql+psycopg://postgres@127.0.0.1:{pg_port}/yrd_soak",
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        SECRET_KEY="soak-secret-key-long-enough-0123456789abcdef",
        FIELD_ENCRYPTION_KEYS="s1:" + base64.urlsafe_b64encode(os.urandom(32)).decode(),
        MATCHING_KEY="soak-matching-key",
        FILE_STORE=str(folder / "files"),
        EXCHANGE_KEY_DIR=str(folder / "exchange"),
        AUDIT_CHECKPOINT_KEY=str(folder / "checkpoint_key.pem"),
        TEMPLATE_CACHE_DIR=str(folder / "templates"),
        YRD_DEMO="1",
        PYTHONPATH=str(ROOT),
        FLASK_APP="wsgi",
    )
    env.pop("FLASK_DEBUG", None)
    return env


def flask(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(VENV_BIN / "flask"), *args],
        env=env,
        cwd=ROOT,
        check=check,
        capture_output=True,
        text=True,
    )


TOKENS_SCRIPT = """
import json
from sqlalchemy import select
from app import create_app
from app.auth.models import User
from app.auth.services import create_token
from app.extensions import db
app = create_app()
with app.app_context():
    out = {}
    for code in ("SH", "JS", "ZJ", "AH"):
        for slot in ("officer", "officer2"):
            name = f"{code.lower()}-{slot}"
            user = db.session.scalar(select(User).where(User.username == name))
            out[name] = create_token(user, "soak", days=7)
    db.session.commit()
    print(json.dumps(out))
"""


def tokens(env: dict) -> dict[str, str]:
    done = subprocess.run(
        [str(VENV_BIN / "python"), "-c", TOKENS_SCRIPT],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def worker_cmd(redis_url: str) -> list[str]:
    """No fixed name (`-n`): a worker that quit while Redis was down left its registration
    behind, and a restarted worker of the same name refuses to start until it expires."""
    return [
        str(VENV_BIN / "rq"),
        "worker",
        "--url",
        redis_url,
        "--with-scheduler",
        "--dequeue-strategy",
        "round_robin",
        "dossiers",
        "default",
    ]


def kill_worker_mid_job(run: Run, workers: list[Process], redis_url: str, env) -> str:
    """Waits (up to 3 minutes) for a worker to be running a dossier, then SIGKILLs it and its
    work-horse, and starts a new worker in its place."""
    from redis import Redis
    from rq import Worker

    connection = Redis.from_url(redis_url)
    end = time.monotonic() + 180
    while time.monotonic() < end and not run.stop.is_set():
        for w in Worker.all(connection=connection):
            job = w.get_current_job()
            if job is None or "generate_dossier" not in str(job.args):
                continue
            target = next((p for p in workers if p.proc and p.proc.pid == w.pid), None)
            if target is None or target.proc is None:
                continue
            victims = [*children(target.proc.pid), target.proc.pid]
            target.wanted = False
            for pid in victims:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            target.proc.wait(10)
            log(f"killed worker {target.name} (pids {victims}) while it ran job {job.id}")
            new = Process(f"{target.name}-again", worker_cmd(redis_url), env, target.logdir)
            workers[workers.index(target)] = new
            new.start()
            return job.id
        time.sleep(0.3)
    log("no worker was running a dossier within 3 minutes: none killed")
    return ""


def outage(run: Run, name: str, stop, start, port: int, down_for: float) -> None:
    o = Outage(name, time.monotonic())
    with run.lock:
        run.outages.append(o)
    log(f"{name}: stopping")
    stop()
    time.sleep(down_for)
    start()
    wait_port(port, 120)
    o.end = time.monotonic()
    log(f"{name}: back after {o.end - o.start:.1f} s")


def sql(env: dict, pg: Postgres, query: str) -> list[tuple]:
    import sqlalchemy as sa

    engine = sa.create_engine(env["DATABASE_URL"])
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(sa.text(query))]
    engine.dispose()
    return rows


def wait_for_jobs(env: dict, pg: Postgres, limit: float, stalled: float = 180) -> list[tuple]:
    """Waits until no dossier job is left unfinished (the recovery job runs every minute),
    for at most `limit` seconds, or `stalled` seconds without one finishing. Each one left
    comes with what RQ says of it (queued, scheduled for a retry, started; none: lost)."""
    from redis import Redis

    end = time.monotonic() + limit
    query = (
        "SELECT id, status, attempts, error FROM jobs "
        "WHERE func = 'app.dossiers.tasks.generate_dossier' AND status NOT IN ('finished')"
    )
    pending = sql(env, pg, query)
    progress = time.monotonic()
    while pending and time.monotonic() < min(end, progress + stalled):
        if all(p[1] == "failed" for p in pending):
            break
        time.sleep(5)
        left = sql(env, pg, query)
        if len(left) < len(pending):
            progress = time.monotonic()
        pending = left
    connection = Redis.from_url(env["REDIS_URL"])
    return [
        (*row, (connection.hget(f"rq:job:{row[0]}", "status") or b"none").decode())
        for row in pending
    ]


def verify_ledger(run: Run, env: dict, pg: Postgres) -> dict:
    ledger = run.ledger
    cases = dict(sql(env, pg, "SELECT reference, title FROM cases"))
    states = dict(sql(env, pg, "SELECT reference, version FROM cases"))
    missing_cases = [r for r, title in ledger.cases.items() if cases.get(r) != title]
    lost_steps = [r for r, (_s, v) in ledger.states.items() if states.get(r, -1) < v]
    stored = collections.Counter(
        sql(
            env,
            pg,
            "SELECT c.reference, e.blob_sha256 FROM evidence_items e "
            "JOIN cases c ON c.id = e.case_id WHERE e.kind = 'file'",
        )
    )
    wanted = collections.Counter(ledger.evidence)
    missing_evidence = [k for k, n in wanted.items() if stored.get(k, 0) < n]
    jobs = collections.Counter(
        sql(
            env,
            pg,
            "SELECT c.reference, u.username FROM jobs j JOIN cases c ON c.id = j.case_id "
            "JOIN users u ON u.id = j.user_id "
            "WHERE j.func = 'app.dossiers.tasks.generate_dossier'",
        )
    )
    missing_jobs = [k for k, n in ledger.dossiers.items() if jobs.get(k, 0) < n]
    duplicated = sql(
        env, pg, "SELECT reference, count(*) FROM cases GROUP BY reference HAVING count(*) > 1"
    )
    return {
        "acknowledged": {
            "cases": len(ledger.cases),
            "steps": sum(1 for s, _v in ledger.states.values() if s != "received"),
            "evidence": len(ledger.evidence),
            "dossier requests": sum(ledger.dossiers.values()),
        },
        "missing": {
            "cases": missing_cases,
            "steps": lost_steps,
            "evidence": missing_evidence,
            "dossier requests": missing_jobs,
        },
        "duplicated references": duplicated,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--clients", type=int, default=8, help="two per agency by default")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between actions")
    parser.add_argument("--dossier-every", type=float, default=90.0, help="seconds, per client")
    parser.add_argument("--down-for", type=float, default=15.0, help="seconds per outage")
    parser.add_argument("--drain", type=float, default=600, help="seconds, at most, for jobs")
    parser.add_argument("--pg-port", type=int, default=5440)
    parser.add_argument("--redis-port", type=int, default=6390)
    parser.add_argument("--web-port", type=int, default=5090)
    parser.add_argument("--keep", action="store_true", help="keep the run's folder")
    parser.add_argument("--json", help="also write the report to this file")
    args = parser.parse_args()
    for port in (args.pg_port, args.redis_port, args.web_port):
        if not port_free(port):
            sys.exit(f"port {port} is in use")

    folder = Path(tempfile.mkdtemp(prefix="yrd-soak-"))
    folder.chmod(0o755)
    (folder / "logs").mkdir()
    log(f"run folder {folder}")
    env = environment(folder, args.pg_port, args.redis_port)
    pg = Postgres(folder, args.pg_port)
    redis = Redis(folder, args.redis_port)
    processes: list[Process] = []
    workers: list[Process] = []
    report: dict = {}
    try:
        pg.init()
        pg.start()
        redis.start()
        subprocess.run(
            as_postgres(
                [
                    str(pg.bin / "createdb"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(args.pg_port),
                    "-U",
                    "postgres",
                    "yrd_soak",
                ]
            ),
            check=True,
        )
        t0 = time.monotonic()
        flask(env, "db", "upgrade")
        flask(env, "exchange", "init", check=False)
        seeded = flask(env, "demo-data")
        took = time.monotonic() - t0
        log(f"migrated and demo data loaded in {took:.0f} s: {seeded.stdout.strip()}")
        keys = tokens(env)

        gunicorn = Process(
            "gunicorn",
            [
                str(VENV_BIN / "gunicorn"),
                "-w",
                str(args.workers),
                "-b",
                f"127.0.0.1:{args.web_port}",
                "--timeout",
                "120",
                "--no-control-socket",  # a shared ~/.gunicorn/gunicorn.ctl otherwise
                "wsgi:app",
            ],
            env,
            folder / "logs",
        )
        cron = Process(
            "rq-cron",
            [str(VENV_BIN / "rq"), "cron", "--url", env["REDIS_URL"], "app/jobs/cron_config.py"],
            env,
            folder / "logs",
        )
        for i in (1, 2):
            workers.append(
                Process(f"rq-worker-{i}", worker_cmd(env["REDIS_URL"]), env, folder / "logs")
            )
        processes = [gunicorn, cron]
        for p in [*processes, *workers]:
            p.start()
        if not wait_port(args.web_port, 120):
            raise RuntimeError("gunicorn did not start")

        run = Run(f"http://127.0.0.1:{args.web_port}", time.monotonic())
        run.folder = folder
        clients = []
        for i in range(args.clients):
            agency = AGENCIES[i % 4]
            username = f"{agency.lower()}-{'officer' if i < 4 else 'officer2'}"
            clients.append(Client(run, agency, keys[username], username, seed=i))
        threads = [
            threading.Thread(target=c.loop, args=(args.pause, args.dossier_every), daemon=True)
            for c in clients
        ]
        duration = args.minutes * 60
        log(f"load: {args.clients} clients for {args.minutes} minutes")
        loads = [os.getloadavg()]
        for t in threads:
            t.start()

        killed_job = ""
        plan = [
            (0.25, "worker"),
            (0.50, "redis"),
            (0.75, "postgres"),
        ]
        events = []
        while time.monotonic() - run.started < duration:
            elapsed = time.monotonic() - run.started
            if plan and elapsed >= plan[0][0] * duration:
                _fraction, what = plan.pop(0)
                at = round(elapsed, 1)
                if what == "worker":
                    killed_job = kill_worker_mid_job(run, workers, env["REDIS_URL"], env)
                    events.append({"at_s": at, "event": "worker killed mid-job", "job": killed_job})
                elif what == "redis":
                    outage(run, "redis", redis.stop, redis.start, args.redis_port, args.down_for)
                    events.append({"at_s": at, "event": "redis restarted", "down_s": args.down_for})
                else:
                    outage(run, "postgres", pg.stop, pg.start, args.pg_port, args.down_for)
                    events.append(
                        {"at_s": at, "event": "postgres restarted", "down_s": args.down_for}
                    )
            for p in [*processes, *workers]:
                p.check()
            if int(elapsed) % 60 == 0:
                loads.append(os.getloadavg())
                with run.lock:
                    n, err = run.figures.requests, len(run.figures.errors_outside)
                log(f"{elapsed / 60:.1f} min: {n} requests, {err} 5xx outside outages")
            time.sleep(1)
        run.stop.set()
        for t in threads:
            t.join(90)
        log("load stopped; waiting for the queued dossiers")
        pending = wait_for_jobs(env, pg, limit=args.drain)
        killed_status = (
            sql(env, pg, f"SELECT status, attempts FROM jobs WHERE id = '{killed_job}'")
            if killed_job
            else []
        )
        audit = flask(env, "audit", "verify", check=False)
        ledger = verify_ledger(run, env, pg)
        f = run.figures
        lat = sorted(f.latencies)
        report = {
            "minutes": args.minutes,
            "clients": args.clients,
            "gunicorn workers": args.workers,
            "load average (1 min) min/max": [
                round(min(x[0] for x in loads), 2),
                round(max(x[0] for x in loads), 2),
            ],
            "events": events,
            "outage windows": [
                {
                    "name": o.name,
                    "from_s": round(o.start - run.started, 1),
                    "to_s": round((o.end or o.start) - run.started + OUTAGE_GRACE, 1),
                }
                for o in run.outages
            ],
            "requests": f.requests,
            "by status": {str(k): v for k, v in sorted(f.by_status.items(), key=str)},
            "by kind": dict(sorted(f.by_kind.items())),
            "latency p50/p95/p99 s": [
                round(lat[int(p * (len(lat) - 1))], 3) for p in (0.5, 0.95, 0.99)
            ]
            if lat
            else [],
            "5xx outside outages": len(f.errors_outside),
            "5xx outside outages (first 10)": f.errors_outside[:10],
            "connection errors outside outages": f.connection_errors_outside[:10],
            "5xx inside outages": len(f.errors_inside),
            "5xx inside outages not a clear 503": [e for e in f.errors_inside if not e[3]][:10],
            "5xx inside outages by outage": dict(
                collections.Counter(f"{e[0]} {e[2]}" for e in f.errors_inside)
            ),
            "connection errors inside outages": f.connection_errors_inside,
            "writes": ledger,
            "dossier jobs not finished (id, status, attempts, error, in RQ)": pending,
            "job of the killed worker": killed_status,
            "process exits (restarted)": {
                p.name: p.unexpected_exits for p in [*processes, *workers] if p.unexpected_exits
            },
            "audit verify": {"exit": audit.returncode, "output": audit.stdout.strip()[-500:]},
        }
    finally:
        for p in [*processes, *workers]:
            p.stop()
        redis.stop()
        with contextlib.suppress(Exception):
            pg.stop()
        print(json.dumps(report, ensure_ascii=False, indent=2, default=str))
        if args.json:
            Path(args.json).write_text(
                json.dumps(report, ensure_ascii=False, indent=2, default=str)
            )
        if args.keep or not report:
            log(f"run folder kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
