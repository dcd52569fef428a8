"""Two independent deployments for the exchange tests: each a real `flask run` subprocess on
a loopback port with its own database, its own instance folder and its own key pair. The
test process drives each node's services through an app bound to the same database and key
folder, as the node's own CLI or worker would."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from app.core.secrets import new_field_key
from app.extensions import db

ROOT = Path(__file__).resolve().parent.parent
MATCHING_KEY = "region-wide-test-matching-key"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_for(name: str, folder: Path) -> str:
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{folder / 'node.sqlite'}"
    url = sa.engine.make_url(base)
    url = url.set(database=f"{url.database}_{name}")
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    return url.render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Drops a PostgreSQL database `database_for` made (a SQLite file goes with its folder)."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


class Node:
    def __init__(self, name: str, root: Path):
        self.name = name
        self.node_id = f"node-{name}"
        self.folder = root / name
        self.folder.mkdir(parents=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.settings = {
            "DATABASE_URL": database_for(name, self.folder),
            "SECRET_KEY": f"node-{name}-secret-key-long-enough-0123456789abcdef",
            "FIELD_ENCRYPTION_KEYS": new_field_key(f"{name}1"),
            "MATCHING_KEY": MATCHING_KEY,
            "FILE_STORE": str(self.folder / "files"),
            "EXCHANGE_KEY_DIR": str(self.folder / "exchange"),
            "EXCHANGE_NODE_ID": self.node_id,
        }
        self.app = create_app(
            {
                **self.settings,
                "SQLALCHEMY_DATABASE_URI": self.settings["DATABASE_URL"],
                "TESTING": True,
                "WTF_CSRF_ENABLED": False,
                "REDIS_URL": None,
                # Jobs in the request: a job thread's heartbeat would share the test's session.
                "JOBS_WITHOUT_REDIS": "inline",
            }
        )
        self.process: subprocess.Popen | None = None
        self.public_key = ""

    def prepare(self) -> None:
        from app.core.node import init_node
        from app.demo.loader import ensure_agencies

        with self.app.app_context():
            upgrade()
            ensure_agencies()
            db.session.commit()
            _node_id, self.public_key, _created = init_node(self.node_id)

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "YRD_REDIS_URL")}
        env.update(self.settings)
        log = open(self.folder / "server.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "flask",
                "--app",
                "wsgi",
                "run",
                "--port",
                str(self.port),
                "--no-reload",
                "--no-debugger",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/.well-known/yrd-node", timeout=1).read()
                return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.1)
        raise RuntimeError(f"node {self.name} did not start: {self.log_tail()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def log_tail(self) -> str:
        return (self.folder / "server.log").read_text(errors="replace")[-3000:]

    def dispose(self) -> None:
        """Stops the server, closes the app and drops the node's PostgreSQL database."""
        self.stop()
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop_database(self.settings["DATABASE_URL"])


@contextlib.contextmanager
def peered_nodes(prefix: str):
    """Nodes A and B, each the other's exchange peer, both serving over HTTP; disposed after."""
    from app.exchange.services import add_peer

    with tempfile.TemporaryDirectory(prefix=prefix) as root:
        a, b = Node("a", Path(root)), Node("b", Path(root))
        try:
            for node in (a, b):
                node.prepare()
            for here, there in ((a, b), (b, a)):
                with here.app.app_context():
                    add_peer(there.node_id, there.url, there.public_key)
                    db.session.commit()
            a.start()
            b.start()
            yield a, b
        finally:
            a.dispose()
            b.dispose()
