"""`flask jobs ...`: run the periodic jobs once, recover jobs of dead workers."""

import click
from flask import Flask
from flask.cli import AppGroup

from app.extensions import db

jobs_cli = AppGroup("jobs", help="Background jobs.")


@jobs_cli.command("run-periodic")
@click.option("--name", help="Run only this periodic job.")
def run_periodic(name: str | None) -> None:
    """Run the periodic jobs now, in this process (for a system cron without Redis)."""
    from app.jobs.runner import run
    from app.jobs.schedule import PERIODIC

    for entry in PERIODIC:
        if name and entry.name != name:
            continue
        result = run(None, entry.func, [])
        click.echo(f"{entry.name}: {result}")


@jobs_cli.command("recover")
def recover() -> None:
    """Put started jobs of workers that stopped their heartbeat back on the queue."""
    from app.jobs.recover import recover_abandoned

    found = recover_abandoned()
    click.echo(f"recovered {len(found)} job(s)")
    db.session.commit()


def init_app(app: Flask) -> None:
    app.cli.add_command(jobs_cli)
