"""`flask calendar ...`: import a year's notice from a file, show a year, confirm it."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext

from app.core.errors import ServiceError

KIND_MARKS = {"workday": ".", "weekend": "-", "holiday": "H", "makeup": "W"}


@click.group("calendar")
def calendar_cli() -> None:
    """Calendar years: holidays and make-up working days from the State Council's notice."""


def _print_grid(year: int) -> None:
    from app.calendar_years.services import month_grid, preview_calendar
    from app.core import calendar as cal
    from app.core.models import CalendarYear
    from app.extensions import db

    row = db.session.get(CalendarYear, year)
    calendar = preview_calendar(row) if row is not None else cal.year_calendar(year)
    click.echo(f"{year}: {calendar.basis}" + (f" — {row.source}" if row is not None else ""))
    click.echo("  . working day  - weekend  H holiday  W make-up working day")
    for month in month_grid(calendar):
        click.echo(f"{month['month']:>2}  Mo Tu We Th Fr Sa Su   ({month['working']} working days)")
        for week in month["weeks"]:
            cells = [
                f"{day.day:>2}{KIND_MARKS[kind]}" if day else "   "
                for day, kind in (c or (None, None) for c in week)
            ]
            click.echo("    " + "".join(cells))


def _refuse(err: ServiceError) -> None:
    from app.extensions import db

    db.session.rollback()
    raise click.ClickException(f"refused, nothing changed: {err.message}")


@calendar_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--year", type=int, help="The year, when the file does not name it.")
@click.option("--reason", default="", help="Why a confirmed (or bundled) year is changed.")
@with_appcontext
def import_command(file: Path, year: int | None, reason: str) -> None:
    """Enter a year's notice from FILE (.json or .csv; see README "Calendar years"). The
    year is then imported, not confirmed: check the grid printed against the notice, then
    run `flask calendar confirm YEAR` (or confirm it on the page)."""
    from app.calendar_years.services import read_file, save_year
    from app.extensions import db

    try:
        row = save_year(None, read_file(file, year), reason)
    except ServiceError as err:
        _refuse(err)
    db.session.commit()
    counts = f"{len(row.holidays)} holidays, {len(row.workdays)} make-up working days"
    click.echo(f"imported {row.year} ({counts})")
    _print_grid(row.year)


@calendar_cli.command("show")
@click.argument("year", type=int)
@with_appcontext
def show_command(year: int) -> None:
    """Print a year's month grid and where its days come from."""
    _print_grid(year)


@calendar_cli.command("confirm")
@click.argument("year", type=int)
@with_appcontext
def confirm_command(year: int) -> None:
    """Confirm an imported year after checking it against the published notice."""
    from app.calendar_years.services import confirm_year
    from app.extensions import db

    try:
        confirm_year(None, year)
    except ServiceError as err:
        _refuse(err)
    db.session.commit()
    click.echo(f"confirmed {year}")


def init_app(app: Flask) -> None:
    app.cli.add_command(calendar_cli)
