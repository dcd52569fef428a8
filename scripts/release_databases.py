"""Produce a release's demo databases for tests/platform/test_release_upgrades.py.

    .venv/bin/python scripts/release_databases.py v0.1.0 \
        [--pg postgresql+psycopg://postgres@127.0.0.1:5432/yrd_release]

Checks the tag out into a temporary worktree (the shared .venv linked in), runs that release's
own `flask db upgrade` and `flask demo-data` against a fresh SQLite file and a fresh PostgreSQL
database (dropped again afterwards), and writes to tests/releases/<tag>/:

- demo.sqlite.gz: the SQLite database, VACUUMed and gzip-compressed;
- demo.pg.sql.gz: `pg_dump --no-owner --no-privileges` of the PostgreSQL database (plain SQL);
- secrets.json: the demo-only secrets the data was written with (field-encryption keys,
  matching key, secret key), generated here for this purpose and published with the tests;
- keys/: the node's exchange key pair and audit checkpoint key, when the release's demo
  wrote them (demo-only too; both databases are loaded with the same keys; v0.1.0 wrote none);
- release.json: version, commit, alembic head and the sizes of the files above.

The demo writes no file to the file store (no evidence blobs, no stored dossiers), so none
is kept; the smoke walk generates its dossier after the upgrade. Run it by hand when a
release is cut (README "Releases and upgrades"), then commit the folder.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
RELEASES = ROOT / "tests" / "releases"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/yrd_release"


def demo_secrets() -> dict:
    key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    return {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "FIELD_ENCRYPTION_KEYS": f"demo1:{key}",
        "MATCHING_KEY": secrets.token_urlsafe(32),
    }


def run(cmd: list[str], **kwargs) -> str:
    print("+", " ".join(cmd), flush=True)
    done = subprocess.run(cmd, check=True, text=True, capture_output=True, **kwargs)
    return done.stdout


def release_env(tree: Path, work: Path, keys: Path, database_url: str, values: dict) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YRD_", "DATABASE_URL"))}
    env.update(values)
    env.update(
        {
            "YRD_DEMO": "1",
            "DATABASE_URL": database_url,
            "FILE_STORE": str(work / "files"),
            "EXCHANGE_KEY_DIR": str(keys / "exchange"),
            "AUDIT_CHECKPOINT_KEY": str(keys / "audit_checkpoint_key.pem"),
            "FLASK_APP": "app",
            "PYTHONPATH": str(tree),
        }
    )
    env.pop("REDIS_URL", None)  # jobs run in-process
    return env


def load(tree: Path, work: Path, keys: Path, database_url: str, values: dict) -> None:
    env = release_env(tree, work, keys, database_url, values)
    flask = str(tree / ".venv" / "bin" / "flask")
    run([flask, "db", "upgrade"], cwd=tree, env=env)
    print(run([flask, "demo-data"], cwd=tree, env=env).strip())


def alembic_head(tree: Path) -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(tree / "migrations"))
    return ScriptDirectory.from_config(config).get_current_head()


def recreate(url: str, drop_only: bool = False) -> None:
    parsed = sa.engine.make_url(url)
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        if not drop_only:
            conn.execute(sa.text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def pg_dump_args(url: str) -> list[str]:
    parsed = sa.engine.make_url(url)
    args = ["-h", parsed.host or "127.0.0.1", "-p", str(parsed.port or 5432)]
    args += ["-U", parsed.username or "postgres", parsed.database]
    return args


def gzip_file(source: Path, target: Path) -> None:
    # mtime=0: the same database gives the same bytes, whenever it is compressed.
    with (
        source.open("rb") as src,
        target.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as dst,
    ):
        shutil.copyfileobj(src, dst)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tag", help="the release's git tag, e.g. v0.1.0")
    parser.add_argument("--pg", default=DEFAULT_PG, help="a scratch PostgreSQL database URL")
    args = parser.parse_args()
    commit = run(["git", "rev-list", "-n", "1", args.tag], cwd=ROOT).strip()
    version = args.tag.removeprefix("v")
    out = RELEASES / args.tag
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"yrd-release-{args.tag}-") as tmp:
        work = Path(tmp)
        tree = work / "tree"
        run(["git", "worktree", "add", "--detach", str(tree), commit], cwd=ROOT)
        try:
            (tree / ".venv").symlink_to((ROOT / ".venv").resolve())
            values = demo_secrets()
            keys = out / "keys"  # the node's exchange key pair and audit checkpoint key
            shutil.rmtree(keys, ignore_errors=True)
            sqlite_path = work / "demo.sqlite"
            load(tree, work / "sqlite", keys, f"sqlite:///{sqlite_path}", values)
            with sqlite3.connect(sqlite_path) as conn:
                conn.execute("VACUUM")
            gzip_file(sqlite_path, out / "demo.sqlite.gz")
            recreate(args.pg)
            try:
                load(tree, work / "pg", keys, args.pg, values)
                dump = work / "demo.pg.sql"
                run(
                    [
                        "pg_dump",
                        "--no-owner",
                        "--no-privileges",
                        "-f",
                        str(dump),
                        *pg_dump_args(args.pg),
                    ]
                )
                gzip_file(dump, out / "demo.pg.sql.gz")
            finally:
                recreate(args.pg, drop_only=True)
            stored = [p for p in (work / "sqlite" / "files", work / "pg" / "files") if p.exists()]
            if any(any(p.rglob("*")) for p in stored):
                print("note: the demo wrote files to the file store; they are not kept", flush=True)
            head = alembic_head(tree)
        finally:
            run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT)
    (out / "secrets.json").write_text(
        json.dumps(
            {"_note": "demo-only keys, generated for this release's demo databases", **values},
            indent=2,
        )
        + "\n"
    )
    manifest = {
        "version": version,
        "tag": args.tag,
        "commit": commit,
        "alembic_head": head,
        "files": {
            p.name: p.stat().st_size for p in sorted(out.iterdir()) if p.name.endswith(".gz")
        },
    }
    (out / "release.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(json.dumps(manifest, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
