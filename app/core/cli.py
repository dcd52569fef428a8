"""Platform commands that belong to no single feature."""

import click
from flask import Flask
from flask.cli import AppGroup

from app.extensions import db

audit_cli = AppGroup("audit", help="The tamper-evident audit log.")


@audit_cli.command("verify")
def audit_verify() -> None:
    """Walk the hash chain; name the first entry that does not match."""
    from app.core.audit import verify_chain

    ok, checked, bad, why = verify_chain()
    if ok:
        click.echo(f"audit log intact: {checked} entries verified")
        return
    click.echo(
        f"audit log BROKEN at entry {bad.id} ({bad.action}, {bad.at}): {why}; "
        f"{checked} entries before it verified",
        err=True,
    )
    db.session.rollback()
    raise SystemExit(1)


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
