"""`flask evidence sweep`: remove blob files no evidence references."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

evidence_cli = AppGroup("evidence", help="Evidence file store maintenance.")


@evidence_cli.command("sweep")
@click.option("--dry-run", is_flag=True, help="Only count what would be removed.")
def sweep(dry_run: bool) -> None:
    """Remove stored files that no evidence item references (safe while uploads run)."""
    from app.evidence.sweep import sweep_orphans

    report = sweep_orphans(dry_run=dry_run)
    verb = "would remove" if dry_run else "removed"
    count = report.orphans if dry_run else report.removed
    click.echo(
        f"{report.orphans} unreferenced file(s); {verb} {count} ({report.bytes_freed} bytes); "
        f"{report.kept_in_use} taken by an upload meanwhile; "
        f"{report.stale_temp} stale temporary file(s)"
    )


def init_app(app: Flask) -> None:
    app.cli.add_command(evidence_cli)
