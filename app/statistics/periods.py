"""The period a statistics page, export or report covers: a year, a quarter, a month or a
range (an agency's own figures only: app/statistics/disclosure.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.core.calendar import today
from app.core.errors import InvalidInput

MAX_DAYS = 366 * 10


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive
    year: int | None = None
    quarter: int | None = None
    month: int | None = None

    @property
    def whole(self) -> bool:
        """A calendar year, quarter or month, not a range of days."""
        return self.year is not None

    @property
    def label(self) -> str:
        if self.quarter:
            return f"{self.year} Q{self.quarter}"
        if self.month:
            return f"{self.year}-{self.month:02d}"
        if self.year:
            return str(self.year)
        return f"{self.start.isoformat()} – {self.end.isoformat()}"

    @property
    def slug(self) -> str:
        if self.quarter:
            return f"{self.year}-q{self.quarter}"
        if self.month:
            return f"{self.year}-{self.month:02d}"
        if self.year:
            return str(self.year)
        return f"{self.start.isoformat()}_{self.end.isoformat()}"

    def as_args(self) -> dict[str, str]:
        if self.year:
            args = {"year": str(self.year)}
            if self.quarter:
                args["quarter"] = str(self.quarter)
            if self.month:
                args["month"] = str(self.month)
            return args
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


def year_period(year: int) -> Period:
    return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), year=year)


def quarter_period(year: int, quarter: int) -> Period:
    first = dt.date(year, 3 * quarter - 2, 1)
    return Period(first, _month_end(year, 3 * quarter), year=year, quarter=quarter)


def month_period(year: int, month: int) -> Period:
    return Period(dt.date(year, month, 1), _month_end(year, month), year=year, month=month)


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)


def parse_period(args) -> Period:
    """From query arguments `year` (+ `quarter` or `month`) or `from` and `to`; this year by
    default. A range that is a whole calendar year, quarter or month is read as one. Bad
    values raise InvalidInput naming the argument."""
    start, end = args.get("from") or None, args.get("to") or None
    if start or end:
        first, last = _date(start, "from"), _date(end, "to")
        if last < first or (last - first).days > MAX_DAYS:
            raise InvalidInput(_l("The end of the period must follow its start."), field="to")
        return _named(first, last) or Period(first, last)
    year = _int(args.get("year") or today().year, "year", 2000, 2100)
    quarter, month = args.get("quarter") or None, args.get("month") or None
    if quarter is not None and month is not None:
        raise InvalidInput(_l("Choose a quarter or a month, not both."), field="month")
    if quarter is not None:
        return quarter_period(year, _int(quarter, "quarter", 1, 4))
    if month is not None:
        return month_period(year, _int(month, "month", 1, 12))
    return year_period(year)


def _named(first: dt.date, last: dt.date) -> Period | None:
    """The calendar year, quarter or month that runs from `first` to `last`, if any."""
    if first.day != 1 or not 2000 <= first.year <= 2100:
        return None
    candidates = [year_period(first.year), month_period(first.year, first.month)]
    if first.month % 3 == 1:
        candidates.append(quarter_period(first.year, (first.month + 2) // 3))
    return next((p for p in candidates if (p.start, p.end) == (first, last)), None)


def _date(value, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        raise InvalidInput(_l("Enter dates as YYYY-MM-DD."), field=name) from None


def _int(value, name: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = low - 1
    if not low <= number <= high:
        if name == "month":
            raise InvalidInput(_l("Choose a month (1–12)."), field=name)
        raise InvalidInput(_l("Choose a year (2000–2100) and a quarter (1–4)."), field=name)
    return number
