"""`flask exchange …`: node keys, peers, and running the exchange jobs by hand or from cron."""

from __future__ import annotations

import datetime as dt

import click
from flask import Flask
from flask.cli import AppGroup

from app.extensions import db

group = AppGroup("exchange", help="Integrity-record exchange between deployments.")


@group.command("init")
@click.option("--node-id", default=None, help="This node's id (default: EXCHANGE_NODE_ID).")
def init_command(node_id):
    """Create this node's Ed25519 key pair (once) and print what peers need.

    Records published before this sign their versions now, so peers receive them too."""
    from app.core import node
    from app.exchange import tasks
    from app.exchange.services import sign_earlier_versions

    node_id, public, created = node.init_node(node_id)
    click.echo(("created" if created else "already initialised") + f": node {node_id}")
    click.echo(f"public key: {public}")
    signed, deliveries = sign_earlier_versions()
    db.session.commit()
    if signed:
        click.echo(
            f"signed {signed} versions published before the node had a key; "
            f"{len(deliveries)} deliveries queued"
        )
    tasks.schedule_deliveries(deliveries)


# One base64url key in 64 begins with "-": the command has no short options, and takes
# anything it does not know as an argument, so such a key is never read as an option.
@group.command("add-peer", context_settings={"ignore_unknown_options": True})
@click.argument("name")
@click.argument("url")
@click.argument("public_key")
def add_peer_command(name, url, public_key):
    """Register (or re-key) peer NAME at base URL with its base64url PUBLIC_KEY.

    A key that begins with "-" is taken as it is."""
    from app.core.errors import ServiceError
    from app.exchange.services import add_peer

    try:
        peer = add_peer(name, url, public_key)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from exc
    click.echo(f"peer {peer.node_id} at {peer.url}")


@group.command("signing-cert")
def signing_cert_command():
    """Print the node CA certificate (PEM) that certifies the key signing this node's PDFs:
    a PDF reader that imports it as trusted shows the node's signatures as trusted."""
    from app.core.pdfsign import node_ca_pem

    click.echo(node_ca_pem().decode(), nl=False)


@group.command("pull")
def pull_command():
    """Catch up on everything the peers published since the last pull."""
    from app.exchange.tasks import pull_all

    click.echo(f"stored {pull_all()} new versions")


@group.command("retry")
def retry_command():
    """Send every undelivered version and acknowledgement again."""
    from app.core.models import utcnow
    from app.exchange.tasks import retry_due_deliveries, retry_recognitions

    count = retry_due_deliveries(now=utcnow() + dt.timedelta(days=3650))
    click.echo(f"retried {count} deliveries, {retry_recognitions()} acknowledgements")


@group.command("expire")
def expire_command():
    """Mark records whose sanction term has ended as expired."""
    from app.exchange.tasks import expire_records_job

    click.echo(f"expired {expire_records_job()} records")


def init_app(app: Flask) -> None:
    app.cli.add_command(group)
