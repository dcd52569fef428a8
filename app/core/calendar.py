"""Working days on the Chinese calendar: public holidays and make-up working days.

Where a year's days come from, in order: a system administrator's `calendar_years` row for
the year (imported from the State Council's notice, then confirmed), else the bundled
`chinese_calendar` data when it knows the year, else Monday to Friday. The per-day
`calendar_days` overrides always win. A year is *confirmed* when its row was confirmed or
the bundled data knows it; a deadline that runs into a year that is not confirmed is
marked on pages and in the API (`deadline_unconfirmed`), since its date may move once the
notice is entered.

The years, and the days an administrator set, are cached per process: every deadline shown
on a page asks whether its year is confirmed, and that costs no query. A change made here
(or to a day, `app.admin.services`) drops the cache when its
transaction ends (`mark_changed`); other processes see it within `CACHE_SECONDS`, and a
deadline being computed (`add_working_days`) first checks the table's stamp, so no
deadline is computed on a stale calendar.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import NamedTuple

import chinese_calendar
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from app.core.models import CalendarDay, CalendarYear
from app.extensions import db

# How long another process may show a calendar year as it was before a change.
CACHE_SECONDS = 60.0

# A year's basis: where its days come from.
CONFIRMED, IMPORTED, LIBRARY, WEEKENDS = "confirmed", "imported", "library", "weekends"


@functools.lru_cache(maxsize=256)
def library_knows(year: int) -> bool:
    """Whether the bundled `chinese_calendar` release has the year's holidays."""
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def _parse(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


@dataclass(frozen=True)
class YearCalendar:
    """One year's working days and where they come from."""

    year: int
    basis: str
    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()

    @property
    def confirmed(self) -> bool:
        return self.basis in (CONFIRMED, LIBRARY)

    def is_workday(self, day: dt.date) -> bool:
        if self.basis == LIBRARY:
            return chinese_calendar.is_workday(day)
        if day in self.holidays:
            return False
        if day in self.workdays:
            return True
        return day.weekday() < 5

    def kind(self, day: dt.date) -> str:
        """`holiday`, `makeup` (a weekend worked), `weekend` or `workday`."""
        weekend = day.weekday() >= 5
        if self.is_workday(day):
            return "makeup" if weekend else "workday"
        return "weekend" if weekend and not self._named_holiday(day) else "holiday"

    def _named_holiday(self, day: dt.date) -> bool:
        if self.basis == LIBRARY:
            return chinese_calendar.get_holiday_detail(day)[1] is not None
        return day in self.holidays

    @classmethod
    def from_data(cls, year: int, basis: str, holidays: list, workdays: list) -> YearCalendar:
        days: set[dt.date] = set()
        for item in holidays:
            start, end = _parse(item["start"]), _parse(item["end"])
            days.update(start + dt.timedelta(days=n) for n in range((end - start).days + 1))
        return cls(year, basis, frozenset(days), frozenset(_parse(w["day"]) for w in workdays))


@functools.lru_cache(maxsize=256)
def _default_year(year: int) -> YearCalendar:
    return YearCalendar(year, LIBRARY if library_knows(year) else WEEKENDS)


class _Loaded(NamedTuple):
    at: float
    stamp: tuple[int, int]
    years: dict[int, YearCalendar]
    overrides: dict[dt.date, bool]  # the days an administrator set apart from their year's


_STAMP = select(func.count(CalendarYear.year), func.coalesce(func.sum(CalendarYear.version), 0))
_lock = threading.Lock()
# Per database (tests and the CLI may open more than one): (loaded_at, stamp, years).
_cache: dict[str, _Loaded] = {}


def _key() -> str:
    return str(db.engine.url)


def invalidate() -> None:
    """Drops this process's cached years: they are read again when next needed."""
    with _lock:
        _cache.clear()


def mark_changed(session: Session | None = None) -> None:
    """A calendar year changed in this session: the cache is dropped now and again when the
    transaction ends (committed for everyone, or rolled back)."""
    (session or db.session).info["calendar_changed"] = True
    invalidate()


@event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    if session.info.pop("calendar_changed", False):
        invalidate()


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session, previous_transaction) -> None:
    """A rolled-back savepoint may have undone the change, the outer transaction may still
    do so: the cache is dropped each time, and the mark kept until nothing is left open."""
    if session.info.get("calendar_changed"):
        invalidate()
        if not session.in_transaction():
            session.info.pop("calendar_changed", None)


def _load() -> _Loaded:
    rows = db.session.execute(
        select(
            CalendarYear.year,
            CalendarYear.state,
            CalendarYear.holidays,
            CalendarYear.workdays,
            CalendarYear.version,
        )
    ).all()
    years = {
        row.year: YearCalendar.from_data(row.year, row.state, row.holidays, row.workdays)
        for row in rows
    }
    stamp = (len(rows), sum(row.version for row in rows))
    overrides = dict(db.session.execute(select(CalendarDay.day, CalendarDay.is_workday)).all())
    return _Loaded(time.monotonic(), stamp, years, overrides)


def _loaded(*, fresh: bool = False) -> _Loaded:
    key = _key()
    entry = _cache.get(key)
    if entry is not None and fresh:
        count, total = db.session.execute(_STAMP).one()
        if (count, int(total)) != entry.stamp:
            entry = None
    elif entry is not None and time.monotonic() - entry.at > CACHE_SECONDS:
        entry = None
    if entry is None:
        entry = _load()
        with _lock:
            _cache[key] = entry
    return entry


def _years(*, fresh: bool = False) -> dict[int, YearCalendar]:
    return _loaded(fresh=fresh).years


def year_calendar(year: int, *, fresh: bool = False) -> YearCalendar:
    """The year's working days from the best source there is (see the module's doc)."""
    return _years(fresh=fresh).get(year) or _default_year(year)


def year_confirmed(year: int) -> bool:
    return year_calendar(year).confirmed


def unconfirmed_years(first: int, last: int) -> list[int]:
    return [year for year in range(first, last + 1) if not year_confirmed(year)]


def deadline_unconfirmed(due: dt.date | None) -> bool:
    """Whether a deadline runs across a year whose calendar is not confirmed: from this
    year to the deadline's (an overdue deadline: its own year)."""
    if due is None:
        return False
    return bool(unconfirmed_years(min(due.year, today().year), due.year))


def _overrides(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    rows = db.session.execute(
        select(CalendarDay.day, CalendarDay.is_workday).where(
            CalendarDay.day >= start, CalendarDay.day <= end
        )
    )
    return {day: workday for day, workday in rows}


def _builtin_is_workday(day: dt.date) -> bool:
    return year_calendar(day.year).is_workday(day)


def is_workday(day: dt.date, *, fresh: bool = True) -> bool:
    """`fresh=False` trusts this process's cached calendar, the administrator's days
    included, for up to `CACHE_SECONDS` (a page's badge) instead of reading the table."""
    if not fresh:
        loaded = _loaded()
        override = loaded.overrides.get(day)
        calendar = loaded.years.get(day.year) or _default_year(day.year)
        return calendar.is_workday(day) if override is None else override
    override = _overrides(day, day).get(day)
    return year_calendar(day.year, fresh=True).is_workday(day) if override is None else override


def add_working_days(start: dt.date, days: int, *, fresh: bool = True) -> dt.date:
    """The date `days` working days after `start` (start itself not counted).

    `fresh=False` trusts this process's cached years (a page's "due soon" boundary) instead
    of checking them against the table first, as a deadline being set does."""
    if days <= 0:
        return start
    overrides = _overrides(start, start + dt.timedelta(days=days * 3 + 30))
    years = _years(fresh=fresh)
    day, remaining = start, days
    while remaining:
        day += dt.timedelta(days=1)
        workday = overrides.get(day)
        if workday is None:
            calendar = years.get(day.year) or _default_year(day.year)
            workday = calendar.is_workday(day)
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
