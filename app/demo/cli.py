"""`flask demo-data` and `flask demo-logins`."""

import time

import click
from flask import Flask, current_app
from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError

from app.auth import totp
from app.auth.models import User
from app.auth.passwords import DEMO_PASSWORD
from app.core.models import utcnow
from app.demo import data
from app.demo.bench import seed_bench
from app.demo.loader import load_demo, load_ethics_demo
from app.extensions import db
from app.notifications.models import Notification


@click.command("demo-data")
@click.option("--seed", default=2026, show_default=True)
def demo_data_command(seed: int) -> None:
    """Load the four agencies, demo users and about 200 demo cases (demo mode only)."""
    if not current_app.config.get("DEMO"):
        raise click.ClickException("demo data is loaded only in demo mode (YRD_DEMO=1)")
    added = load_demo(seed)
    load_ethics_demo()
    # The demo's history is not news: its notifications wait in-app, none goes out as mail
    # (the log under `make run`) at the first step someone takes.
    db.session.execute(
        update(Notification).where(Notification.mailed_at.is_(None)).values(mailed_at=utcnow())
    )
    db.session.commit()
    click.echo(f"demo data ready ({added} cases added)")


@click.command("seed-bench")
@click.option("--cases", "count", type=click.IntRange(1, 5_000_000), default=100_000)
@click.option("--seed", default=7, show_default=True)
@click.option(
    "--defer-indexes/--keep-indexes",
    default=None,
    help="PostgreSQL: build the indexes after the rows (default: for a large first seed)",
)
def seed_bench_command(count: int, seed: int, defer_indexes: bool | None) -> None:
    """Bulk-load synthetic cases (about ten history rows each) for benchmarks (demo mode only)."""
    if not current_app.config.get("DEMO"):
        raise click.ClickException("benchmark data is loaded only in demo mode (YRD_DEMO=1)")
    started = time.perf_counter()
    added = seed_bench(count, seed, defer_indexes=defer_indexes)
    click.echo(f"{added} synthetic cases added in {time.perf_counter() - started:.1f} s")


@click.command("demo-logins")
def demo_logins_command() -> None:
    """Print the demo accounts."""
    click.echo("")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD})")
    for code, name_zh, _en in data.AGENCIES:
        names = ", ".join(f"{code.lower()}-{suffix}" for suffix, _t, _r in data.DEMO_USERS)
        click.echo(f"  {code} {name_zh}: {names}")
    click.echo("  platform: sysadmin")
    from app.ethics.demo import demo_logins

    click.echo("\n".join(demo_logins()))
    _echo_second_factor()
    click.echo("")


def _echo_second_factor() -> None:
    """The demo account with a second factor: its secret for an authenticator app, and the
    code of this moment for those without one."""
    try:
        user = db.session.scalar(select(User).where(User.username == data.DEMO_TOTP_USER))
        row = totp.totp_row(user) if user is not None else None
    except SQLAlchemyError:  # no database yet: the logins above are all there is to say
        return
    if row is None or row.confirmed_at is None:
        return
    click.echo("")
    click.echo(f"{user.username} also asks for a code after the password (two-step sign-in):")
    click.echo(f"  secret for an authenticator app (TOTP, 30 s): {row.secret}")
    click.echo(f"  or the code to use now: {totp.usable_code(user)} (valid about a minute, once)")


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_data_command)
    app.cli.add_command(demo_logins_command)
    app.cli.add_command(seed_bench_command)
