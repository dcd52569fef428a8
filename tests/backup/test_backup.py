"""`flask backup`: what an archive holds, and every bad input refused with a message that
says what, the archive or the restore target left as it was: a corrupt or truncated
archive, a member that does not match the manifest, a wrong or missing key, a target
that is not empty, a missing pg_dump. The daily job keeps the newest archives."""

from __future__ import annotations

import gzip
import io
import json
import os
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import inspect

from app.extensions import db
from tests.backup.support import PNG, Deployment, node_secrets, row_counts, store_snapshot

ON_POSTGRES = "postgresql" in (os.environ.get("TEST_DATABASE_URL") or "")


@pytest.fixture(scope="module")
def root():
    with tempfile.TemporaryDirectory(prefix="yrd-backup-") as path:
        yield Path(path)


@pytest.fixture(scope="module")
def secrets():
    return node_secrets()


@pytest.fixture(scope="module")
def source(root, secrets):
    """A node with a case, evidence files, a checkpoint and its key pair."""
    from app.auth.models import Role
    from app.core.checkpoints import write_checkpoint
    from app.core.node import init_node
    from app.demo.loader import ensure_agencies
    from app.evidence.services import Upload, add_file_evidence
    from tests.backup.support import _case, _user

    deployment = Deployment("bk_src", root, secrets)
    deployment.migrate()
    with deployment.app.app_context():
        ensure_agencies()
        init_node("node-source")
        officer = _user("SH", Role.officer, "sh-officer-bk")
        case = _case(officer, [("张伟", "31010119800101123X")])
        add_file_evidence(case, Upload(io.BytesIO(b"note " * 30000), "note.txt"), officer)
        photo = PNG + os.urandom(200_000)  # does not compress: the archive spans chunks
        add_file_evidence(case, Upload(io.BytesIO(photo), "photo.png"), officer)
        db.session.commit()
        assert write_checkpoint() is not None
        db.session.commit()
    yield deployment
    deployment.dispose()


@pytest.fixture(scope="module")
def operator(root, source):
    key = root / "operator.key"
    made = source.cli("backup", "keygen", str(key))
    assert made.exit_code == 0, made.output
    return key


@pytest.fixture(scope="module")
def plain(root, source) -> Path:
    path = root / "plain.tar.gz"
    made = source.cli("backup", "create", "--output", str(path))
    assert made.exit_code == 0, made.output
    return path


@pytest.fixture(scope="module")
def sealed(root, source, operator) -> Path:
    path = root / "sealed.tar.gz.enc"
    made = source.cli("backup", "create", "--output", str(path), "--encrypt-to", f"{operator}.pub")
    assert made.exit_code == 0, made.output
    return path


@pytest.fixture(scope="module")
def blank(root, secrets):
    """A new deployment: a newly created database, no file store, no keys."""
    deployment = Deployment("bk_blank", root, secrets)
    yield deployment
    deployment.dispose()


def state(deployment: Deployment) -> tuple:
    """Everything a restore could change: tables and rows, files, key files."""
    with deployment.app.app_context():
        tables = row_counts() if inspect(db.engine).get_table_names() else {}
        db.session.remove()
    keys = sorted(p.name for p in deployment.folder.rglob("*.pem"))
    secrets_file = Path(deployment.app.instance_path) / "secrets.json"
    return tables, store_snapshot(deployment.store), keys, secrets_file.exists()


def refused(deployment: Deployment, *args: str) -> str:
    """Runs a backup command that must fail; returns its message."""
    result = deployment.cli("backup", *args)
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: "), result.output
    return result.output


def restore_refused(target: Deployment, archive: Path, *args: str) -> str:
    before, before_store = state(target), target.store.exists()
    message = refused(target, "restore", str(archive), *args)
    assert state(target) == before
    assert not list(target.folder.rglob(".yrd-restore-*"))  # the staging folder is gone too
    assert target.store.exists() == before_store
    return message


def repack(
    archive: Path,
    output: Path,
    change: Callable[[str, bytes], bytes | None],
    extra: dict[str, bytes] | None = None,
) -> Path:
    """The archive's members again, each through `change` (None drops it), as a new
    .tar.gz: what someone altering an archive without the tools would produce."""
    with (
        tarfile.open(archive, "r:gz") as before,
        gzip.open(output, "wb") as out,
        tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as after,
    ):
        members = [(info, before.extractfile(info).read()) for info in before]
        for name, data in (extra or {}).items():
            members.insert(-1, (tarfile.TarInfo(name), data))
        for info, data in members:
            new = change(info.name, data)
            if new is not None:
                info.size = len(new)
                after.addfile(info, io.BytesIO(new))
    return output


def members_of(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive, "r:gz") as tar:
        return {info.name: tar.extractfile(info).read() for info in tar}


# --- what an archive holds ----------------------------------------------------------------


def test_archive_holds_database_store_keys_and_a_manifest_of_checksums(source, plain):
    import hashlib

    members = members_of(plain)
    manifest = json.loads(members.pop("manifest.json"))
    assert list(members)[-1].startswith("keys/")
    listed = {m["path"]: m for m in manifest["members"]}
    assert set(listed) == set(members)
    for name, data in members.items():
        assert listed[name]["size"] == len(data)
        assert listed[name]["sha256"] == hashlib.sha256(data).hexdigest()
    files = {n.removeprefix("files/") for n in members if n.startswith("files/")}
    assert files == set(store_snapshot(source.store))
    assert any(n.startswith("files/audit-checkpoints/") for n in members)
    assert any(n.startswith("files/blobs/") for n in members)
    assert {"keys/exchange/node_key.pem", "keys/exchange/node.json"} <= set(members)
    database = manifest["database"]
    assert database["member"] in members
    assert database["dialect"] == ("postgresql" if ON_POSTGRES else "sqlite")
    assert manifest["alembic_revision"].startswith("00")
    assert manifest["platform_version"] and manifest["created_at"]
    assert manifest["node_id"] == "node-source"
    assert [k["id"] for k in manifest["field_keys"]] == ["k1"]
    assert "k1:" not in json.dumps(manifest)  # key ids and fingerprints, never the keys


def test_verify_checks_plain_and_encrypted_archives(source, plain, sealed, operator):
    for args in ([str(plain)], [str(sealed), "--key", str(operator)]):
        result = source.cli("backup", "verify", *args)
        assert result.exit_code == 0, result.output
        assert "archive OK" in result.output and "members verified" in result.output
    assert not members_of(plain)["manifest.json"].startswith(b"YRD")
    assert sealed.read_bytes()[:8] == b"YRDBKE01"
    assert b"node_key" not in sealed.read_bytes()


def test_a_plain_archive_restores_into_a_blank_deployment(root, source, plain):
    """Here with other field keys than the source's, which the restore warns about: the
    archive holds no secrets.json, the source's keys came from its configuration."""
    target = Deployment("bk_plain", root, node_secrets())
    try:
        restored = target.cli("backup", "restore", str(plain))
        assert restored.exit_code == 0, restored.output
        assert "warning: FIELD_ENCRYPTION_KEYS here lacks the backed-up node's key(s) k1 (" in (
            restored.output
        )
        target.restart()
        with source.app.app_context():
            expected = row_counts()
        with target.app.app_context():
            assert row_counts() == expected
        assert store_snapshot(target.store) == store_snapshot(source.store)

        def modes(store: Path) -> dict[str, int]:
            return {p.name: p.stat().st_mode & 0o777 for p in store.rglob("*") if p.is_file()}

        assert modes(target.store) == modes(source.store)
        assert set(modes(target.store / "blobs").values()) == {0o440}  # still read-only
        key = Path(target.app.config["EXCHANGE_KEY_DIR"]) / "node_key.pem"
        assert (
            key.read_bytes()
            == (Path(source.app.config["EXCHANGE_KEY_DIR"]) / key.name).read_bytes()
        )
        assert key.stat().st_mode & 0o777 == 0o600
        assert target.cli("audit", "verify").exit_code == 0
    finally:
        target.dispose()


# --- bad input ------------------------------------------------------------------------------


def test_a_corrupt_archive_is_refused(root, blank, plain, sealed, operator):
    for archive, args in ((plain, ()), (sealed, ("--key", str(operator)))):
        data = bytearray(archive.read_bytes())
        data[len(data) // 2] ^= 0xFF
        corrupt = root / f"corrupt-{archive.name}"
        corrupt.write_bytes(bytes(data))
        message = refused(blank, "verify", str(corrupt), *args)
        assert "the archive is corrupt" in message
        assert "the archive is corrupt" in restore_refused(blank, corrupt, *args)
    garbage = root / "garbage.tar.gz"
    garbage.write_bytes(b"not an archive at all")
    assert "is not a YRD backup" in restore_refused(blank, garbage)


def test_a_truncated_archive_is_refused(root, blank, plain, sealed, operator):
    cut = root / "cut.tar.gz"
    cut.write_bytes(plain.read_bytes()[: plain.stat().st_size // 2])
    assert "the archive is truncated" in refused(blank, "verify", str(cut))
    assert "the archive is truncated" in restore_refused(blank, cut)
    from app.backup.encryption import CHUNK, HEADER_SIZE, TAG

    data = sealed.read_bytes()
    assert len(data) > HEADER_SIZE + 2 * (CHUNK + TAG)
    at_chunk = root / "cut-at-chunk.enc"
    at_chunk.write_bytes(data[: HEADER_SIZE + CHUNK + TAG])
    message = restore_refused(blank, at_chunk, "--key", str(operator))
    assert f"the archive is truncated: it ends after {HEADER_SIZE + CHUNK + TAG} bytes" in message
    mid_chunk = root / "cut-mid-chunk.enc"
    mid_chunk.write_bytes(data[: HEADER_SIZE + CHUNK + TAG + 1000])
    message = restore_refused(blank, mid_chunk, "--key", str(operator))
    assert "chunk 1" in message and "cut short" in message
    header_only = root / "header-only.enc"
    header_only.write_bytes(data[:20])
    assert "header is missing or cut short" in restore_refused(
        blank, header_only, "--key", str(operator)
    )


def test_a_member_that_differs_from_the_manifest_is_refused(root, blank, plain):
    blob = next(n for n in members_of(plain) if n.startswith("files/blobs/"))

    def alter(name: str, data: bytes) -> bytes:
        return data[:-1] + bytes([data[-1] ^ 1]) if name == blob else data

    altered = repack(plain, root / "altered.tar.gz", alter)
    message = refused(blank, "verify", str(altered))
    assert "checksum mismatch" in message and blob in message and "differs from" in message
    assert blob in restore_refused(blank, altered)

    dropped = repack(plain, root / "dropped.tar.gz", lambda n, d: None if n == blob else d)
    assert f"{blob}: listed in the manifest, missing" in restore_refused(blank, dropped)
    smuggled = repack(plain, root / "extra.tar.gz", lambda n, d: d, {"files/x/extra": b"x"})
    assert "files/x/extra: in the archive, not in the manifest" in restore_refused(blank, smuggled)
    escaping = repack(plain, root / "escape.tar.gz", lambda n, d: d, {"files/../../evil": b"x"})
    assert "unsafe or unknown path" in restore_refused(blank, escaping)
    assert not (root / "evil").exists()


def test_an_archive_from_a_release_that_does_not_exist_here_is_refused(root, blank, plain):
    def newer(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest.update(alembic_revision="0099_from_the_future", platform_version="9.0.0")
        return json.dumps(manifest).encode()

    future = repack(plain, root / "future.tar.gz", newer)
    message = restore_refused(blank, future)
    assert "revision 0099_from_the_future, which this release does not know" in message
    assert "platform 9.0.0" in message


def test_a_wrong_or_missing_key_is_refused(root, blank, sealed, operator):
    other = root / "other.key"
    assert blank.cli("backup", "keygen", str(other)).exit_code == 0
    message = restore_refused(blank, sealed, "--key", str(other))
    assert "wrong decryption key: the archive is encrypted to key" in message
    assert str(other) in message
    assert "give the private key with --key" in restore_refused(blank, sealed)
    not_a_key = root / "not-a-key.pem"
    not_a_key.write_text("hello")
    assert "not a readable, unencrypted PEM private key" in restore_refused(
        blank, sealed, "--key", str(not_a_key)
    )
    public_as_private = restore_refused(blank, sealed, "--key", f"{operator}.pub")
    assert "not a readable, unencrypted PEM private key" in public_as_private


def test_restore_into_a_deployment_that_is_not_empty_is_refused(root, source, secrets, plain):
    message = restore_refused(source, plain)
    assert "the database is not empty" in message and "tables hold rows" in message
    assert f"the file store {source.store} is not empty" in message

    files_only = Deployment("bk_files_only", root, secrets)
    try:
        (files_only.store / "reports").mkdir(parents=True)
        (files_only.store / "reports" / "2025.pdf").write_bytes(b"%PDF-1.4")
        message = restore_refused(files_only, plain)
        assert "the database is not empty" not in message
        assert "(1 files: reports/2025.pdf)" in message
    finally:
        files_only.dispose()

    migrated = Deployment("bk_migrated", root, secrets)
    try:
        migrated.migrate()
        message = restore_refused(migrated, plain)
        assert "tables hold rows: agencies, deadline_policies" in message
        assert "before any `flask db upgrade`" in message
    finally:
        migrated.dispose()


def test_restore_refuses_to_replace_another_node_key(root, secrets, plain):
    from app.core.node import init_node

    keyed = Deployment("bk_keyed", root, secrets)
    try:
        with keyed.app.app_context():
            init_node("node-other")
        message = restore_refused(keyed, plain)
        assert "node_key.pem exists and differs from the archive's" in message
    finally:
        keyed.dispose()


def test_generated_secrets_of_a_fresh_install_give_way_and_are_kept(root, secrets, source):
    fresh = Deployment("bk_fresh", root, secrets)
    archive = root / "with-secrets.tar.gz"
    source_secrets = source.write_instance_secrets()
    try:
        assert source.cli("backup", "create", "--output", str(archive)).exit_code == 0
        generated = Path(fresh.app.instance_path) / "secrets.json"
        generated.parent.mkdir(parents=True)
        generated.write_text('{"SECRET_KEY": "generated at first start"}')
        restored = fresh.cli("backup", "restore", str(archive))
        assert restored.exit_code == 0, restored.output
        assert generated.read_text() == source_secrets.read_text()
        [kept] = generated.parent.glob("secrets.json.before-restore-*")
        assert "generated at first start" in kept.read_text()
        assert f"kept as {kept}" in restored.output
    finally:
        source_secrets.unlink()
        fresh.dispose()


def test_create_refuses_bad_output_and_keys_leaving_nothing(root, source, plain, operator):
    assert "exists; not overwritten" in refused(source, "create", "--output", str(plain))
    inside = source.store / "backup.tar.gz"
    assert "lies inside FILE_STORE" in refused(source, "create", "--output", str(inside))
    assert not inside.exists()
    wrong = root / "ed25519.pem"
    wrong.write_bytes((Path(source.app.config["EXCHANGE_KEY_DIR"]) / "node_key.pem").read_bytes())
    output = root / "never.tar.gz"
    message = refused(source, "create", "--output", str(output), "--encrypt-to", str(wrong))
    assert "is not a readable PEM public key" in message
    assert not output.exists()
    assert "exists; not overwritten" in refused(source, "keygen", str(operator))


@pytest.mark.skipif(not ON_POSTGRES, reason="pg_dump backs up PostgreSQL only")
def test_a_missing_pg_dump_is_refused_and_nothing_is_written(root, source, plain):
    empty = root / "no-client"
    empty.mkdir()
    output = root / "pg.tar.gz"
    before = sorted(root.iterdir())
    source.app.config["BACKUP_PG_BIN"] = str(empty)
    try:
        message = refused(source, "create", "--output", str(output))
        assert f"pg_dump not found in BACKUP_PG_BIN ({empty})" in message
        assert "postgresql-client" in message and "PostgreSQL 15" in message
        assert sorted(root.iterdir()) == before
        target = Deployment("bk_no_restore", root, source.secrets, BACKUP_PG_BIN=str(empty))
        try:
            assert "pg_restore not found" in restore_refused(target, plain)
        finally:
            target.dispose()
    finally:
        source.app.config["BACKUP_PG_BIN"] = None


# --- the daily job -------------------------------------------------------------------------


def test_the_daily_job_is_off_without_a_folder_and_keeps_the_newest(root, source, operator):
    from app.backup.tasks import daily_backup

    folder = root / "daily"
    with source.app.app_context():
        assert daily_backup() == {"skipped": "BACKUP_DIR is not set"}
    source.app.config.update(
        BACKUP_DIR=str(folder), BACKUP_KEEP=2, BACKUP_ENCRYPT_TO=f"{operator}.pub"
    )
    try:
        with source.app.app_context():
            results = [daily_backup() for _ in range(3)]
    finally:
        source.app.config.update(BACKUP_DIR=None, BACKUP_KEEP=7, BACKUP_ENCRYPT_TO=None)
    names = [r["archive"] for r in results]
    assert names == sorted(names) and len(set(names)) == 3
    assert [r["removed"] for r in results] == [[], [], [names[0]]]
    assert sorted(p.name for p in folder.iterdir()) == names[1:]
    for name in names[1:]:
        assert name.endswith(".tar.gz.enc")
        verified = source.cli("backup", "verify", str(folder / name), "--key", str(operator))
        assert verified.exit_code == 0, verified.output


def test_the_daily_backup_is_scheduled():
    from app.jobs.schedule import PERIODIC

    [entry] = [e for e in PERIODIC if e.name == "backup"]
    assert entry.resolve().__name__ == "daily_backup"
