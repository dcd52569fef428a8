"""Platform commands that belong to no single feature."""

import click
from flask import Flask
from flask.cli import AppGroup

from app.extensions import db

audit_cli = AppGroup("audit", help="The tamper-evident audit log.")


@audit_cli.command("verify")
def audit_verify() -> None:
    """Walk the hash chain and check it against the signed checkpoints of its head; name
    the first entry that does not match and every checkpoint that fails."""
    from app.core.checkpoints import verify_audit_log

    report = verify_audit_log()
    if report.ok:
        covered = report.covered
        since = (
            f"; checkpoint of {covered.at} covers entries up to {covered.head.last_id}"
            if covered
            else "; no checkpoint yet (flask audit checkpoint)"
        )
        click.echo(f"audit log intact: {report.checked} entries verified{since}")
        return
    if report.bad is not None:
        bad = report.bad
        click.echo(
            f"audit log BROKEN at entry {bad.id} ({bad.action}, {bad.at}): {report.why}; "
            f"{report.checked} entries before it verified",
            err=True,
        )
    for problem in report.problems:
        click.echo(f"audit log BROKEN: {problem}", err=True)
    db.session.rollback()
    raise SystemExit(1)


@audit_cli.command("checkpoint")
def audit_checkpoint() -> None:
    """Sign the chain's head into the file store (the daily job does this too), after
    checking the entries added since the last checkpoint."""
    from app.core.checkpoints import CheckpointRefused, write_checkpoint

    try:
        written = write_checkpoint()
    except CheckpointRefused as exc:
        db.session.rollback()
        raise click.ClickException(f"not checkpointed, the audit log is not intact: {exc}") from exc
    if written is None:
        click.echo("no entries since the last checkpoint")
        return
    head = written.head
    click.echo(f"checkpoint {written.path.name}: {head.count} entries up to entry {head.last_id}")


@click.command("rotate-keys")
@click.option("--batch", default=500, show_default=True, help="Rows per committed batch.")
@click.option("--check", is_flag=True, help="Only count values per key id.")
def rotate_keys(batch: int, check: bool) -> None:
    """Re-encrypt every encrypted field with the first key of FIELD_ENCRYPTION_KEYS.

    Put the new key first and keep the old ones, restart, run this; when --check shows
    only the new key id, the old keys can be removed from the configuration.
    """
    from app.core.crypto import encrypted_columns, key_usage, rotate_column

    for table, column in encrypted_columns(db.metadata):
        name = f"{table.name}.{column.name}"
        if check:
            usage = key_usage(db.session, table, column)
            click.echo(f"{name}: " + (", ".join(f"{k}={n}" for k, n in usage.items()) or "empty"))
            continue
        click.echo(f"{name}: {rotate_column(db.session, table, column, batch)} re-encrypted")


def init_app(app: Flask) -> None:
    app.cli.add_command(audit_cli)
    app.cli.add_command(rotate_keys)
