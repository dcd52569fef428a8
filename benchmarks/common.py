"""What the benchmarks share: the app's settings for a throw-away database, recreating that
database, and percentiles."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def bench_config(database_url: str, folder: Path) -> dict:
    """Settings that pass the app's secret checks, for a database and files of the run's own."""
    from app.core.secrets import new_field_key

    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "benchmark-secret-key-long-enough-0123456789abcdef",
        "FIELD_ENCRYPTION_KEYS": new_field_key("b1"),
        "MATCHING_KEY": "benchmark-matching-key",
        "FILE_STORE": str(folder / "files"),
        "EXCHANGE_KEY_DIR": str(folder / "exchange"),
        "REDIS_URL": None,
    }


def recreate_database(url: str) -> None:
    """Drops and creates the PostgreSQL database `url` names (a SQLite file is removed)."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            Path(parsed.database).unlink(missing_ok=True)
        return
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def postgres_from_environment() -> str:
    """The seed-bench database the app reads from DATABASE_URL; exits unless PostgreSQL."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("set DATABASE_URL to the PostgreSQL benchmark database")
    return url


def start_server(port: int, workers: int, threads: int, env: dict) -> subprocess.Popen:
    """gunicorn serving the app on a loopback port with `env` as its environment, once it
    answers."""
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--workers", str(workers), "--threads",
         str(threads), "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 120  # a loaded machine starts it slowly
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2)
            return server
        except OSError:
            if server.poll() is not None:
                break
            time.sleep(0.2)
    stop_server(server)
    sys.exit("gunicorn did not start")


def stop_server(server: subprocess.Popen) -> None:
    """Gunicorn's graceful stop; a loaded machine may take a while over it, then it is killed."""
    server.terminate()
    try:
        server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
