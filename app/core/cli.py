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


def init_app(app: Flask) -> None:
    app.cli.add_command(audit_cli)
