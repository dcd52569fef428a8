"""Fixtures for queue tests: a real Redis, real `rq worker` processes, and committed data
(a worker is another process: it cannot see the rolled-back transaction of `db`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db as _db
from tests.cleanup import audit_guard_lifted, forget_cases_after
from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parent.parent
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_url(app):
    from redis import Redis
    from redis.exceptions import RedisError

    connection = Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2)
    try:
        connection.flushdb()
    except RedisError as exc:
        if IN_CI:
            pytest.fail(f"Redis at {TEST_REDIS_URL} is not reachable: {exc}")
        pytest.skip(f"Redis at {TEST_REDIS_URL} is not reachable")
    app.config["REDIS_URL"] = TEST_REDIS_URL
    yield TEST_REDIS_URL
    app.config["REDIS_URL"] = None
    connection.flushdb()


def _int_id(table) -> bool:
    return "id" in table.c and not isinstance(table.c.id.type, sa.String)


def _snapshot() -> dict[str, object]:
    """Per table: the highest integer id, or else the set of primary keys present."""
    marks: dict[str, object] = {}
    for table in _db.metadata.sorted_tables:
        if _int_id(table):
            marks[table.name] = _db.session.scalar(sa.select(sa.func.max(table.c.id))) or 0
        else:
            cols = list(table.primary_key.columns)
            marks[table.name] = {tuple(row) for row in _db.session.execute(sa.select(*cols))}
    return marks


def _restore(marks: dict[str, object]) -> None:
    forget_cases_after(marks["cases"])  # their running counts are rows older than the marks
    with audit_guard_lifted():
        _delete_new_rows(marks)
    _db.session.commit()


def _delete_new_rows(marks: dict[str, object]) -> None:
    for table in reversed(_db.metadata.sorted_tables):
        mark = marks[table.name]
        if not isinstance(mark, set):
            _db.session.execute(sa.delete(table).where(table.c.id > mark))
            continue
        cols = list(table.primary_key.columns)
        for row in _db.session.execute(sa.select(*cols)).all():
            if tuple(row) not in mark:
                _db.session.execute(
                    sa.delete(table).where(*(c == v for c, v in zip(cols, row, strict=True)))
                )


@pytest.fixture
def committed(app):
    """An app context whose session really commits; rows added are deleted afterwards
    (newest audit entries included, so the chain stays intact)."""
    with app.app_context():
        _db.session.rollback()
        marks = _snapshot()
        _db.session.commit()
        try:
            yield _db
        finally:
            _db.session.rollback()
            _restore(marks)
            _db.session.remove()


def worker_env(app, redis_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "REDIS_URL": redis_url,
            "SECRET_KEY": app.config["SECRET_KEY"],
            "FIELD_ENCRYPTION_KEYS": app.config["FIELD_ENCRYPTION_KEYS"],
            "MATCHING_KEY": app.config["MATCHING_KEY"],
            "FILE_STORE": app.config["FILE_STORE"],
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


@pytest.fixture
def rq_worker(app, redis_url, tmp_path):
    """start() launches a real `rq worker` on both queues; all are stopped at teardown."""
    started: list[subprocess.Popen] = []

    def start(name: str = "w") -> subprocess.Popen:
        log = open(tmp_path / f"worker-{name}-{len(started)}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "rq"),
                "worker",
                "--url",
                redis_url,
                "--with-scheduler",
                "--job-monitoring-interval",
                "1",
                "--name",
                f"{name}-{os.getpid()}-{len(started)}-{time.time_ns()}",
                "dossiers",
                "default",
            ],
            cwd=ROOT,
            env=worker_env(app, redis_url),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        stop_worker(proc)


def stop_worker(proc: subprocess.Popen) -> None:
    """A warm shutdown first; a worker still finishing up after 10 s on a loaded machine
    (both suites run side by side) is killed, as its test has already seen what it needed."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def wait_for(predicate, timeout: float = 60, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {predicate.__doc__ or predicate}")
