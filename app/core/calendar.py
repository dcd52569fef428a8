"""Working days on the Chinese calendar: public holidays and make-up working days.

The bundled `chinese_calendar` data covers the years the State Council has announced;
administrators add or correct days in `calendar_days`, which always wins. For a year
neither knows, Monday to Friday are working days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import chinese_calendar
from sqlalchemy import select

from app.core.models import CalendarDay
from app.extensions import db


def _overrides(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    rows = db.session.execute(
        select(CalendarDay.day, CalendarDay.is_workday).where(
            CalendarDay.day >= start, CalendarDay.day <= end
        )
    )
    return {day: workday for day, workday in rows}


def _builtin_is_workday(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def is_workday(day: dt.date) -> bool:
    override = _overrides(day, day).get(day)
    return _builtin_is_workday(day) if override is None else override


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start` (start itself not counted)."""
    if days <= 0:
        return start
    overrides = _overrides(start, start + dt.timedelta(days=days * 3 + 30))
    day, remaining = start, days
    while remaining:
        day += dt.timedelta(days=1)
        workday = overrides.get(day)
        if workday is None:
            workday = _builtin_is_workday(day)
        if workday:
            remaining -= 1
    return day


def add_months(start: dt.date, months: int) -> dt.date:
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    for day in (start.day, 30, 29, 28):
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    raise ValueError("unreachable")


CST = dt.timezone(dt.timedelta(hours=8), "CST")
_as_of: ContextVar[dt.date | None] = ContextVar("as_of", default=None)


@contextmanager
def as_of(day: dt.date) -> Iterator[None]:
    """Runs procedural steps as of a past date: importing historical cases, demo data."""
    token = _as_of.set(day)
    try:
        yield
    finally:
        _as_of.reset(token)


def today() -> dt.date:
    """Today in China Standard Time, the calendar all deadlines are kept on."""
    return _as_of.get() or dt.datetime.now(CST).date()


def procedural_now() -> dt.datetime:
    """The time a procedural step is recorded at (the audit log always uses real time)."""
    day = _as_of.get()
    if day is None:
        return dt.datetime.now(dt.UTC)
    return dt.datetime.combine(day, dt.time(10, 0), tzinfo=CST).astimezone(dt.UTC)
