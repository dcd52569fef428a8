"""The database part of a backup: PostgreSQL through pg_dump / pg_restore (custom format),
SQLite through its online backup API, which copies a consistent snapshot while the
platform keeps running (a file copy of a live SQLite database can tear a transaction or
miss what sits in its write-ahead log)."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from app.backup.errors import BackupError
from app.extensions import db

MEMBERS = {"postgresql": "database/postgresql.dump", "sqlite": "database/sqlite.db"}
VERSION_TABLE = "alembic_version"


def dialect() -> str:
    name = db.engine.dialect.name
    if name not in MEMBERS:
        raise BackupError(f"cannot back up a {name} database (PostgreSQL or SQLite only)")
    return name


def _url() -> sa.engine.URL:
    return sa.engine.make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def alembic_revision() -> str | None:
    if not sa.inspect(db.engine).has_table(VERSION_TABLE):
        return None
    with db.engine.connect() as conn:
        heads = conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    return ",".join(sorted(heads)) or None


def non_empty_tables() -> list[str]:
    """Tables holding a row (the migration bookkeeping aside): a restore target must have none."""
    engine = db.engine
    names = [t for t in sa.inspect(engine).get_table_names() if t != VERSION_TABLE]
    found = []
    with engine.connect() as conn:
        for name in sorted(names):
            table = sa.table(name)
            if conn.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first():
                found.append(name)
    return found


# --- PostgreSQL --------------------------------------------------------------------------


def pg_tool(name: str) -> str:
    """The pg_dump / pg_restore to run: in BACKUP_PG_BIN when set, else on PATH."""
    folder = current_app.config.get("BACKUP_PG_BIN")
    found = shutil.which(name, path=folder) if folder else shutil.which(name)
    if found:
        return found
    where = f"in BACKUP_PG_BIN ({folder})" if folder else "on PATH"
    raise BackupError(
        f"{name} not found {where}: install Debian's postgresql-client "
        f"(the server's major version{_server_major_hint()}) or set BACKUP_PG_BIN"
    )


def _server_major_hint() -> str:
    try:
        return f", PostgreSQL {_server_major()}"
    except sa.exc.SQLAlchemyError:
        return ""


def _server_major() -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(sa.text("SHOW server_version_num")).scalar()) // 10000


def _tool_version(tool: str) -> str:
    out = subprocess.run([tool, "--version"], capture_output=True, text=True, check=False)
    return out.stdout.strip()


def _tool_major(version: str) -> int | None:
    match = re.search(r"\) (\d+)", version)
    return int(match.group(1)) if match else None


def _libpq() -> tuple[list[str], dict[str, str]]:
    """The connection as a libpq conninfo argument and environment, the password only in
    the environment (never on a command line other users can list)."""
    from psycopg.conninfo import make_conninfo

    url = _url()
    params = {
        "host": url.host,
        "port": str(url.port) if url.port else None,
        "user": url.username,
        "dbname": url.database,
        **{k: v if isinstance(v, str) else v[-1] for k, v in url.query.items()},
    }
    conninfo = make_conninfo(**{k: v for k, v in params.items() if v})
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if url.password:
        env["PGPASSWORD"] = url.password
    return ["--no-password", f"--dbname={conninfo}"], env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip()[-2000:]
        raise BackupError(f"{what} failed (exit {done.returncode}): {detail}")


def dump_postgresql(target: Path) -> dict:
    tool = pg_tool("pg_dump")
    version = _tool_version(tool)
    server = _server_major()
    major = _tool_major(version)
    if major is not None and major < server:
        raise BackupError(
            f"{version} cannot dump a PostgreSQL {server} server: install "
            f"postgresql-client-{server} (or point BACKUP_PG_BIN at its bin folder)"
        )
    args, env = _libpq()
    _run([tool, "--format=custom", f"--file={target}", *args], env, "pg_dump")
    return {"dialect": "postgresql", "server_major": server, "tool": version}


def restore_postgresql(dump: Path) -> None:
    """One transaction: the restore happens whole or not at all. `--clean --if-exists`
    first drops what the dump creates, for a target whose tables `flask db upgrade` made
    (empty: the caller checked)."""
    tool = pg_tool("pg_restore")
    args, env = _libpq()
    db.session.remove()
    db.engine.dispose()
    _run(
        [
            tool,
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-privileges",
            "--clean",
            "--if-exists",
            *args,
            str(dump),
        ],
        env,
        "pg_restore",
    )


# --- SQLite ------------------------------------------------------------------------------


def sqlite_path() -> Path:
    name = _url().database
    if not name or name == ":memory:" or name.startswith("file:"):
        raise BackupError("the SQLite database is not a file; nothing to back up or restore")
    return Path(name)


def dump_sqlite(target: Path) -> dict:
    source = sqlite3.connect(sqlite_path(), timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    return {"dialect": "sqlite", "sqlite_version": sqlite3.sqlite_version}


def check_sqlite_file(path: Path) -> None:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"the archive's SQLite database does not open: {exc}") from None
    if result != "ok":
        raise BackupError(f"the archive's SQLite database fails its integrity check: {result}")


def restore_sqlite(copy: Path) -> None:
    """Writes the database through the backup API into the target file (created when
    missing), so a write-ahead log left by an empty database's earlier use cannot mix in."""
    target = sqlite_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    db.session.remove()
    db.engine.dispose()
    source = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    destination = sqlite3.connect(target, timeout=30)
    try:
        source.backup(destination)
    finally:
        destination.close()
        source.close()


def dump(target: Path) -> dict:
    if dialect() == "postgresql":
        return dump_postgresql(target)
    return dump_sqlite(target)


def restore(copy: Path) -> None:
    if dialect() == "postgresql":
        restore_postgresql(copy)
    else:
        restore_sqlite(copy)
