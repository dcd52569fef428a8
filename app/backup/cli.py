"""`flask backup keygen|create|verify|restore`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from app.backup.errors import BackupError

group = AppGroup("backup", help="Back up and restore this node: database, file store, keys.")

KEY = click.option(
    "--key",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The operator's private key, for an encrypted archive.",
)
ARCHIVE = click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def _fail(exc: BackupError):
    from app.extensions import db

    db.session.rollback()
    raise click.ClickException(str(exc))


@group.command("keygen")
@click.argument("private_key", type=click.Path(dir_okay=False, path_type=Path))
def keygen_command(private_key: Path) -> None:
    """Make an operator key pair: PRIVATE_KEY (keep it off this server) and PRIVATE_KEY.pub
    (give it to --encrypt-to or BACKUP_ENCRYPT_TO)."""
    from app.backup.encryption import generate_key_pair

    try:
        public, fingerprint = generate_key_pair(private_key)
    except BackupError as exc:
        _fail(exc)
    click.echo(f"private key {private_key} (mode 0600): keep it offline, it opens every backup")
    click.echo(f"public key {public}: key {fingerprint}")


@group.command("create")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The archive to write (default: yrd-backup-<time>.tar.gz here).",
)
@click.option(
    "--encrypt-to",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="An operator's public key file (flask backup keygen).",
)
def create_command(output: Path | None, encrypt_to: Path | None) -> None:
    """Write one archive of the database, the file store and the node's keys."""
    from app.backup.services import create_backup, default_name

    if output is None:
        output = Path(default_name(encrypted=encrypt_to is not None))
    try:
        manifest = create_backup(output, encrypt_to)
    except BackupError as exc:
        _fail(exc)
    size = output.stat().st_size
    encrypted = f", encrypted to key {manifest['encrypted_to']}" if encrypt_to else ""
    click.echo(
        f"backup written: {output} ({_size(size)}, {len(manifest['members'])} members; "
        f"{manifest['database']['dialect']} database at revision "
        f"{manifest['alembic_revision']}{encrypted})"
    )


@group.command("verify")
@ARCHIVE
@KEY
def verify_command(archive: Path, key: Path | None) -> None:
    """Check every member of ARCHIVE against its manifest, without restoring anything."""
    from app.backup.services import verify_backup

    try:
        contents = verify_backup(archive, key)
    except BackupError as exc:
        _fail(exc)
    _describe(contents)
    click.echo(f"archive OK: {len(contents.members)} members verified")


def _describe(contents) -> None:
    manifest = contents.manifest
    click.echo(
        f"made {manifest.get('created_at')} by platform {manifest.get('platform_version')}"
        f" (node {manifest.get('node_id') or 'not initialised'}); "
        f"{contents.database.get('dialect')} database at revision "
        f"{manifest.get('alembic_revision')}; {_size(contents.total_size())}"
        + ("; encrypted" if contents.encrypted else "")
    )


@group.command("restore")
@ARCHIVE
@KEY
def restore_command(archive: Path, key: Path | None) -> None:
    """Restore ARCHIVE into this deployment's empty database and empty file store (refused
    otherwise), and put the node's keys in place. Stop the web processes and workers first."""
    from app.backup.services import restore_backup

    try:
        restored = restore_backup(archive, key)
    except BackupError as exc:
        _fail(exc)
    _describe(restored.contents)
    click.echo(f"restored: the database, {restored.files} files, {len(restored.keys)} key files")
    for kept in restored.replaced:
        click.echo(f"the generated secrets this install had were kept as {kept}")
    _remind_keys(restored)
    click.echo("next: flask db upgrade (if this release is newer), then flask audit verify")


def _remind_keys(restored) -> None:
    from app.backup.services import field_keys

    if any(path.endswith("secrets.json") for path in restored.keys):
        return
    wanted = {k["id"]: k["fingerprint"] for k in restored.contents.manifest.get("field_keys", [])}
    held = {k["id"]: k["fingerprint"] for k in field_keys()}
    missing = [f"{kid} ({fp})" for kid, fp in wanted.items() if held.get(kid) != fp]
    if missing:
        click.echo(
            "warning: FIELD_ENCRYPTION_KEYS here lacks the backed-up node's key(s) "
            + ", ".join(missing)
            + ": set them as on that node, or its personal data cannot be read",
            err=True,
        )


def init_app(app: Flask) -> None:
    app.cli.add_command(group)
