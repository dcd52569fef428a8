"""Making, checking and restoring a backup of one node: its database, its file store
(evidence blobs, dossiers, documents, reports, audit checkpoints) and its keys.

What is consistent with what: the database is dumped as one snapshot. Files are written
before the rows that name them are committed (evidence blobs, dossiers, reports), and are
never changed afterwards, so every row in the dump finds its file among those copied after
it. Audit checkpoints are the other way round (a checkpoint names entries committed before
it), so only those that existed before the dump started are taken: none of them covers an
entry the dump lacks, and `flask audit verify` holds on the restored node.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from flask import current_app

from app.backup import archive, database, encryption
from app.backup.errors import BackupError
from app.core import checkpoints, node, pdfsign

TEMPORARY_SUFFIXES = (".tmp", ".partial")
STAGING_PREFIX = ".yrd-restore-"


def platform_version() -> str:
    try:
        return metadata.version("yrd-integrity")
    except metadata.PackageNotFoundError:
        return "unknown"


def file_store() -> Path:
    return Path(current_app.config["FILE_STORE"])


def key_locations() -> dict[str, Path]:
    """Archive member → where this node keeps that key file."""
    folder = node.key_dir()
    return {
        "keys/secrets.json": Path(current_app.instance_path) / "secrets.json",
        f"keys/exchange/{node.KEY_FILE}": folder / node.KEY_FILE,
        f"keys/exchange/{node.ID_FILE}": folder / node.ID_FILE,
        f"keys/exchange/{pdfsign.SIGNING_FILE}": folder / pdfsign.SIGNING_FILE,
        "keys/audit_checkpoint_key.pem": checkpoints.key_file(),
    }


def _is_temporary(relative: Path) -> bool:
    """Uploads in flight and files being written: never part of a backup."""
    name = relative.name
    return (
        name.startswith(".")
        or name.endswith(TEMPORARY_SUFFIXES)
        or relative.parts[:2] == ("blobs", "tmp")
    )


def store_files(root: Path | None = None) -> list[Path]:
    """The file store's regular files, relative to it, sorted; temporary files left out."""
    root = root or file_store()
    if not root.is_dir():
        return []
    found = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(STAGING_PREFIX)]
        for name in names:
            path = Path(folder) / name
            relative = path.relative_to(root)
            if path.is_file() and not path.is_symlink() and not _is_temporary(relative):
                found.append(relative)
    return sorted(found)


def field_keys() -> list[dict]:
    """Which field keys the data is encrypted with: ids and fingerprints, never the keys."""
    import hashlib

    from app.core.crypto import parse_keys

    keys = parse_keys(current_app.config.get("FIELD_ENCRYPTION_KEYS") or "")
    return [{"id": kid, "fingerprint": hashlib.sha256(key).hexdigest()[:16]} for kid, key in keys]


def default_name(encrypted: bool, now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.UTC)
    stamp = now.strftime("%Y%m%dT%H%M%S") + f".{now.microsecond // 1000:03d}Z"
    return f"yrd-backup-{stamp}.tar.gz" + (".enc" if encrypted else "")


# --- create ------------------------------------------------------------------------------


def _check_output(output: Path) -> Path:
    output = output.resolve()
    store = file_store().resolve()
    if output == store or store in output.parents:
        raise BackupError(f"{output} lies inside FILE_STORE ({store}): write the archive elsewhere")
    if output.exists():
        raise BackupError(f"{output} exists; not overwritten")
    output.parent.mkdir(parents=True, exist_ok=True)
    return output


def create_backup(output: Path, encrypt_to: Path | None = None) -> dict:
    """Writes the archive to `output` (a new file, mode 0600) and returns its manifest.
    On any failure nothing is left at `output`."""
    recipient = encryption.load_public_key(encrypt_to) if encrypt_to else None
    kind = database.dialect()
    if kind == "postgresql":
        database.pg_tool("pg_dump")
    output = _check_output(output)
    listed_checkpoints = [
        Path(checkpoints.FOLDER) / p for p in store_files(file_store() / checkpoints.FOLDER)
    ]
    fields = {
        "platform_version": platform_version(),
        "alembic_revision": database.alembic_revision(),
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "node_id": node.node_id() if node.is_initialised() else None,
        "field_keys": field_keys(),
        "encrypted_to": encryption.fingerprint(recipient) if recipient else None,
    }
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".yrd-backup-") as work:
        dump = Path(work) / "database"
        fields["database"] = {**database.dump(dump), "member": database.MEMBERS[kind]}
        partial = Path(work) / "archive.partial"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            writer = archive.ArchiveWriter(out, recipient)
            _add_members(writer, listed_checkpoints, dump, fields["database"]["member"])
            manifest = writer.finish(fields)
            out.flush()
            os.fsync(out.fileno())
        os.link(partial, output)  # never replaces a file that appeared meanwhile
    return manifest


def _add_members(writer, listed_checkpoints: list[Path], dump: Path, dump_member: str) -> None:
    """The checkpoints listed before the dump, the dump, the rest of the store, the keys."""
    store = file_store()
    for relative in listed_checkpoints:
        writer.add_file(f"files/{relative.as_posix()}", store / relative)
    writer.add_file(dump_member, dump)
    for relative in store_files(store):
        if relative.parts[0] != checkpoints.FOLDER:
            writer.add_file(f"files/{relative.as_posix()}", store / relative)
    for member, path in key_locations().items():
        if path.is_file():
            writer.add_file(member, path)


# --- verify ------------------------------------------------------------------------------


def verify_backup(path: Path, key: Path | None = None) -> archive.Contents:
    """Reads the whole archive and checks every member against the manifest."""
    return archive.read_archive(Path(path), key, lambda _name, _mode: None)


# --- restore -----------------------------------------------------------------------------


@dataclass
class Restored:
    contents: archive.Contents
    files: int
    keys: list[str]
    replaced: list[str]


def target_problems() -> list[str]:
    """What is not empty in this deployment, which a restore would overwrite."""
    problems = []
    tables = database.non_empty_tables()
    if tables:
        shown = ", ".join(tables[:8]) + (", …" if len(tables) > 8 else "")
        problems.append(f"the database is not empty ({len(tables)} tables hold rows: {shown})")
    files = store_files()
    if files:
        shown = ", ".join(p.as_posix() for p in files[:3]) + (", …" if len(files) > 3 else "")
        problems.append(f"the file store {file_store()} is not empty ({len(files)} files: {shown})")
    return problems


def _refuse_unless_empty() -> None:
    problems = target_problems()
    if problems:
        raise BackupError(
            "restore refused, nothing changed: "
            + "; ".join(problems)
            + ". Restore into a newly created database (before any `flask db upgrade`, which"
            " adds the platform's own agency) and an empty file store."
        )


def _check_database(contents: archive.Contents, stage: Path) -> Path:
    here = database.dialect()
    there = contents.database.get("dialect")
    if there != here:
        raise BackupError(
            f"the archive holds a {there} database; this deployment uses {here} "
            "(set DATABASE_URL to a database of the archive's kind)"
        )
    revision = contents.manifest.get("alembic_revision")
    known = _known_revisions()
    unknown = [r for r in (revision or "").split(",") if r and r not in known]
    if unknown:
        raise BackupError(
            f"the archive's database is at revision {revision}, which this release does not "
            f"know: it was made by platform {contents.manifest.get('platform_version')}; "
            "restore with that release or a newer one"
        )
    copy = stage / contents.database["member"]
    if here == "sqlite":
        database.check_sqlite_file(copy)
    return copy


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    directory = current_app.extensions["migrate"].directory
    return {script.revision for script in ScriptDirectory(directory).walk_revisions()}


def _key_plan(contents: archive.Contents, stage: Path) -> list[tuple[Path, Path]]:
    """(staged, target) for each key file; refuses a target that holds another key. The
    generated secrets of a fresh install are the exception: nothing was encrypted with
    them yet (the database is empty), so they give way and are kept beside."""
    plan = []
    for member, target in key_locations().items():
        if member not in contents.members:
            continue
        staged = stage / member
        differs = target.exists() and target.read_bytes() != staged.read_bytes()
        if differs and member != "keys/secrets.json":
            raise BackupError(
                f"restore refused, nothing changed: {target} exists and differs from the "
                "archive's; move it away first (a node keeps the key its peers know)"
            )
        plan.append((staged, target))
    return plan


def _place_files(stage: Path) -> int:
    """Moves the staged files into the store (the same file system: the staging folder is
    inside it, so the store may be a mount point)."""
    staged = stage / "files"
    if not staged.is_dir():
        return 0
    count = sum(1 for path in staged.rglob("*") if path.is_file())
    store = file_store()
    for entry in sorted(staged.iterdir()):
        target = store / entry.name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)  # only empty folders: the store was checked to hold no file
        entry.rename(target)
    return count


def _place_keys(plan: list[tuple[Path, Path]]) -> tuple[list[str], list[str]]:
    written, replaced = [], []
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    for staged, target in plan:
        if target.exists():
            if target.read_bytes() == staged.read_bytes():
                continue
            kept = target.with_name(f"{target.name}.before-restore-{stamp}")
            target.rename(kept)
            replaced.append(str(kept))
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(staged, 0o600)
        shutil.move(staged, target)
    node.forget_loaded_keys()
    pdfsign.forget_loaded_material()
    return written, replaced


def _stage_dir() -> Path:
    """Inside the store, which the emptiness check and backups pass over."""
    store = file_store()
    store.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(dir=store, prefix=STAGING_PREFIX))


def _read_into(path: Path, key: Path | None, stage: Path) -> archive.Contents:
    """The archive's members into the staging folder, checked, with their modes."""
    modes: dict[Path, int] = {}

    def sink(name: str, mode: int):
        target = stage / name
        target.parent.mkdir(parents=True, exist_ok=True)
        modes[target] = mode
        return open(target, "wb")

    contents = archive.read_archive(Path(path), key, sink)
    for staged, mode in modes.items():
        os.chmod(staged, mode | 0o400)  # as stored: read-only blobs stay read-only
    return contents


def restore_backup(path: Path, key: Path | None = None) -> Restored:
    """Into an empty database and file store only; the archive is read and checked whole
    before anything is written, so a bad archive changes nothing."""
    if database.dialect() == "postgresql":
        database.pg_tool("pg_restore")
    _refuse_unless_empty()
    store_existed = file_store().exists()
    stage = _stage_dir()
    applying = False
    try:
        contents = _read_into(path, key, stage)
        copy = _check_database(contents, stage)
        plan = _key_plan(contents, stage)
        _refuse_unless_empty()
        applying = True
        database.restore(copy)
        files = _place_files(stage)
        written, replaced = _place_keys(plan)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        if not applying and not store_existed and not store_files():
            shutil.rmtree(file_store(), ignore_errors=True)  # made for the staging folder only
    return Restored(contents, files, written, replaced)
