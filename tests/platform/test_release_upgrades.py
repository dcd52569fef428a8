"""Upgrades with data: each stored release's demo database (tests/releases/<tag>/, made by
scripts/release_databases.py with that release's own migrations and demo loader) is
restored, upgraded to the head with `flask db upgrade`, and walked: sign in, the case list,
a case page, a dossier generated and read back, and an integrity check that finds a
published record. On SQLite, or on PostgreSQL when TEST_DATABASE_URL names one (in a
database of its own, named after it, dropped at the end). Every new migration runs here
against every stored release."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import select

from app import create_app
from app.auth.passwords import DEMO_PASSWORD
from app.extensions import db

ROOT = Path(__file__).resolve().parents[2]
RELEASES = ROOT / "tests" / "releases"
STORED = sorted(p.parent for p in RELEASES.glob("*/release.json"))


def _head() -> str:
    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return ScriptDirectory.from_config(config).get_current_head()


def _restore(release: Path, folder: Path) -> str:
    """The release's database restored into a fresh one; returns its URL."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        path = folder / "release.sqlite"
        with gzip.open(release / "demo.sqlite.gz", "rb") as src, path.open("wb") as dst:
            shutil.copyfileobj(src, dst)
        return f"sqlite:///{path}"
    url = sa.engine.make_url(base)
    name = re.sub(r"[^a-z0-9]+", "_", release.name.lower()).strip("_")
    url = url.set(database=f"{url.database}_{name}")
    _drop(url, create=True)
    with gzip.open(release / "demo.pg.sql.gz", "rb") as dump:
        subprocess.run(
            [
                *("psql", "-q", "-X", "-v", "ON_ERROR_STOP=1", "-h", url.host or "127.0.0.1"),
                *(
                    "-p",
                    str(url.port or 5432),
                    "-U",
                    url.username or "postgres",
                    "-d",
                    url.database,
                ),
            ],
            input=dump.read(),
            capture_output=True,
            check=True,
            env={**os.environ, **({"PGPASSWORD": url.password} if url.password else {})},
        )
    return url.render_as_string(hide_password=False)


def _drop(url: sa.URL, create: bool = False) -> None:
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        if create:
            conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()


def _release_app(release: Path, folder: Path, url: str):
    """An app on the restored database with the release's own (demo-only) secrets and keys."""
    secrets = json.loads((release / "secrets.json").read_text())
    keys = folder / "keys"
    if (release / "keys").exists():
        shutil.copytree(release / "keys", keys)
    app = create_app(
        {
            "SECRET_KEY": secrets["SECRET_KEY"],
            "FIELD_ENCRYPTION_KEYS": secrets["FIELD_ENCRYPTION_KEYS"],
            "MATCHING_KEY": secrets["MATCHING_KEY"],
            "TESTING": True,
            "DEMO": True,  # the demo users sign in with the published demo password
            "SQLALCHEMY_DATABASE_URI": url,
            "DATABASE_URL": url,
            "WTF_CSRF_ENABLED": False,
            "JOBS_WITHOUT_REDIS": "inline",  # the walk reads the dossier it asked for
            "REDIS_URL": None,  # the dossier job runs in-process
            "SERVER_NAME": None,
            "FILE_STORE": str(folder / "files"),
            "EXCHANGE_KEY_DIR": str(keys / "exchange"),
            "AUDIT_CHECKPOINT_KEY": str(keys / "audit_checkpoint_key.pem"),
        }
    )
    app.instance_path = str(folder / "instance")
    return app


@pytest.fixture(params=STORED, ids=[p.name for p in STORED])
def upgraded(request, tmp_path):
    """(release manifest, app) with the release's database upgraded to the head."""
    from app.core import node

    release = request.param
    manifest = json.loads((release / "release.json").read_text())
    url = _restore(release, tmp_path)
    node.forget_loaded_keys()
    app = _release_app(release, tmp_path, url)
    try:
        with app.app_context():
            version = MigrationContext.configure(db.session.connection()).get_current_heads()
            assert version == (manifest["alembic_head"],), (
                "the stored database is not the release's"
            )
            db.session.remove()
            upgrade()
            heads = MigrationContext.configure(db.session.connection()).get_current_heads()
            assert heads == (_head(),)
            db.session.remove()
        yield manifest, app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        node.forget_loaded_keys()
        if os.environ.get("TEST_DATABASE_URL"):
            _drop(sa.engine.make_url(url))


def test_stored_releases_are_described():
    """Each stored release names its version, commit and head, and holds both databases."""
    assert STORED, "no stored release under tests/releases/"
    for release in STORED:
        manifest = json.loads((release / "release.json").read_text())
        assert manifest["tag"] == release.name == "v" + manifest["version"]
        assert re.fullmatch(r"[0-9a-f]{40}", manifest["commit"])
        for name in ("demo.sqlite.gz", "demo.pg.sql.gz", "secrets.json"):
            assert (release / name).is_file(), f"{release.name}: {name} missing"
        # The head a release shipped is in today's history, so the upgrade starts from it.
        config = Config()
        config.set_main_option("script_location", str(ROOT / "migrations"))
        assert ScriptDirectory.from_config(config).get_revision(manifest["alembic_head"])


def test_release_database_upgrades_to_the_head_and_works(upgraded):
    from app.auth.models import User
    from app.cases.models import Complainant
    from app.dossiers.models import Dossier
    from app.records.models import IntegrityRecord, RecordStatus

    manifest, app = upgraded
    with app.app_context():
        record = db.session.scalar(
            select(IntegrityRecord)
            .where(
                IntegrityRecord.status != RecordStatus.draft,
                IntegrityRecord.is_local,
                IntegrityRecord.subject_hash.is_not(None),
            )
            .order_by(IntegrityRecord.id)
        )
        assert record is not None, f"{manifest['tag']}: the demo published no record with an ID"
        case = record.case
        reference, case_id, record_id = case.reference, case.id, record.id
        # Encrypted with the release's field key: readable only if the keys came along.
        id_type, id_number = record.party.id_type, record.party.id_number
        assert id_number and len(id_number) == 18
        names = db.session.scalars(select(Complainant.name).where(Complainant.name.is_not(None)))
        assert all(names.all())
        name = record.subject_name
        supervisor = f"{case.agency.code.lower()}-supervisor"
        assert db.session.scalar(select(User).where(User.username == supervisor))
        db.session.remove()

    client = app.test_client()
    signed_in = client.post("/login", data={"username": supervisor, "password": DEMO_PASSWORD})
    assert signed_in.status_code == 302, signed_in.data[:500]
    assert not signed_in.headers["Location"].startswith(("/login", "/account/second-factor"))

    listing = client.get("/cases")
    assert listing.status_code == 200
    page = client.get(f"/cases/{reference}")
    assert page.status_code == 200
    assert reference in page.get_data(as_text=True)

    asked = client.post(f"/cases/{reference}/dossiers", data={"level": "internal"})
    assert asked.status_code == 302, asked.data[:500]
    with app.app_context():
        dossier = db.session.scalar(
            select(Dossier).where(Dossier.case_id == case_id).order_by(Dossier.id.desc())
        )
        assert dossier is not None, "no dossier was generated"
        document_id = dossier.document_id
        db.session.remove()
    pdf = client.get(f"/dossiers/{document_id}.pdf")
    assert pdf.status_code == 200
    assert pdf.data.startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf.data, capture_output=True, check=True
    ).stdout.decode()
    assert reference in text

    checked = client.post(
        "/integrity-check", data={"name": name, "id_type": id_type, "id_number": id_number}
    )
    assert checked.status_code == 200
    body = checked.get_data(as_text=True)
    assert f"/records/{record_id}" in body
