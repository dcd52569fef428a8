"""One display rule for every time: China Standard Time, whatever the page, CSV or PDF.

Times are stored in UTC (SQLite hands them back without a zone: those are UTC too) and
shown in UTC+8 only here, so evidence added at 23:30 UTC reads as the next morning, as the
case timeline always did. Calendar dates (received on, decided on) are already CST days
and are not converted.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from app.core.calendar import CST

FORMATS = {
    "minutes": "%Y-%m-%d %H:%M",
    "seconds": "%Y-%m-%d %H:%M:%S",
    "date": "%Y-%m-%d",
}


def to_cst(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(CST)


def local_time(value: dt.datetime | None, precision: str = "minutes") -> str:
    """`{{ entry.at|local_time }}` → "2026-03-03 07:30"; "seconds" and "date" also exist."""
    if value is None:
        return ""
    return to_cst(value).strftime(FORMATS[precision])


def local_iso(value: dt.datetime | None) -> str:
    """For CSV: ISO 8601 with the +08:00 offset, so a spreadsheet and a reader agree."""
    if value is None:
        return ""
    return to_cst(value).isoformat(timespec="seconds")


def cst_day_start(day: dt.date) -> dt.datetime:
    """The UTC instant a CST calendar day begins: filters by day select what the page shows."""
    return dt.datetime.combine(day, dt.time(), tzinfo=CST).astimezone(dt.UTC)


class local_year(FunctionElement):
    """SQL: the CST calendar year of a stored UTC time, `local_year(column)`; China keeps
    UTC+8 all year, so both databases add eight hours (SQLite stores UTC without a zone)."""

    type = Integer()
    inherit_cache = True
    name = "local_year"


@compiles(local_year)
def _local_year_sqlite(element, compiler, **kw):
    column = compiler.process(element.clauses, **kw)
    return f"CAST(strftime('%Y', {column}, '+8 hours') AS INTEGER)"


@compiles(local_year, "postgresql")
def _local_year_postgresql(element, compiler, **kw):
    column = compiler.process(element.clauses, **kw)
    return f"CAST(EXTRACT(YEAR FROM timezone('Asia/Shanghai', {column})) AS INTEGER)"
