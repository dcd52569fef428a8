"""The period a statistics page, export or report covers: a year, a quarter or a range."""

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

    @property
    def label(self) -> str:
        if self.quarter:
            return f"{self.year} Q{self.quarter}"
        if self.year:
            return str(self.year)
        return f"{self.start.isoformat()} – {self.end.isoformat()}"

    @property
    def slug(self) -> str:
        if self.quarter:
            return f"{self.year}-q{self.quarter}"
        if self.year:
            return str(self.year)
        return f"{self.start.isoformat()}_{self.end.isoformat()}"

    def as_args(self) -> dict[str, str]:
        if self.year:
            args = {"year": str(self.year)}
            if self.quarter:
                args["quarter"] = str(self.quarter)
            return args
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


def year_period(year: int) -> Period:
    return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), year=year)


def parse_period(args) -> Period:
    """From query arguments `year` (+ `quarter`) or `from` and `to`; this year by default.
    Bad values raise InvalidInput naming the argument."""
    start, end = args.get("from") or None, args.get("to") or None
    if start or end:
        first, last = _date(start, "from"), _date(end, "to")
        if last < first or (last - first).days > MAX_DAYS:
            raise InvalidInput(_l("The end of the period must follow its start."), field="to")
        return Period(first, last)
    year = _int(args.get("year") or today().year, "year", 2000, 2100)
    quarter = args.get("quarter") or None
    if quarter is None:
        return year_period(year)
    q = _int(quarter, "quarter", 1, 4)
    first = dt.date(year, 3 * q - 2, 1)
    last = dt.date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1) - dt.timedelta(days=1)
    return Period(first, last, year=year, quarter=q)


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
        raise InvalidInput(_l("Choose a year (2000–2100) and a quarter (1–4)."), field=name)
    return number
