"""Calendar years: a system administrator enters the State Council's notice for a year (its
public holidays and make-up working days) from the form or `flask calendar import`, looks
at the year's working days, and confirms it. Every change is audited; bad input is refused
whole with what is wrong, and nothing is changed.

Input, from either path, is a `YearInput`: holiday ranges {"name", "start", "end"} and
make-up working days {"day", "name"}, ISO dates. The rules: every date a real date in the
year; ranges with a name, start on or before end, no two overlapping; a make-up day on a
Saturday or Sunday, outside every holiday, each once; the notice's source named. A year
already confirmed, or one the bundled holiday data knows, is changed only with a reason.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.models import Role, User
from app.core import audit
from app.core import calendar as cal
from app.core.errors import InvalidInput, NotAllowed
from app.core.models import CalendarYear, utcnow
from app.extensions import db

FIRST_YEAR, LAST_YEAR = 2000, 2100
NAME_MAX, SOURCE_MAX, REASON_MAX = 80, 300, 500
# The day from which administrators are warned about the next year (month, day).
WARN_FROM = (11, 1)


def can_manage(user) -> bool:
    """Enters, changes and confirms calendar years: a system administrator (the calendar is
    shared by every agency on the platform)."""
    return bool(user and user.is_authenticated and user.has_role(Role.sysadmin))


def can_view(user) -> bool:
    """Sees the calendar years and is warned about an unconfirmed one: system and agency
    administrators."""
    return bool(user and user.is_authenticated and user.has_role(Role.sysadmin, Role.agency_admin))


def _require_manage(actor: User | None) -> None:
    if actor is not None and not can_manage(actor):
        raise NotAllowed(_l("Only a system administrator can change the calendar."))


@dataclass
class YearInput:
    year: int
    source: str = ""
    holidays: list[dict] = field(default_factory=list)
    workdays: list[dict] = field(default_factory=list)


def _date(value, what: str, field_name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise InvalidInput(
            _l("%(what)s: “%(value)s” is not a date (YYYY-MM-DD).", what=what, value=value),
            field=field_name,
        ) from None


def validate(data: YearInput) -> YearInput:
    """The input checked and normalised (sorted, ISO dates), or InvalidInput saying what."""
    year = data.year
    if not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput(
            _l("Enter a year from %(min)s to %(max)s.", min=FIRST_YEAR, max=LAST_YEAR),
            field="year",
        )
    source = (data.source or "").strip()
    if not source or len(source) > SOURCE_MAX:
        raise InvalidInput(
            _l(
                "Name the notice (its number and title) in at most %(max)s characters.",
                max=SOURCE_MAX,
            ),
            field="source",
        )
    if not data.holidays:
        raise InvalidInput(_l("Enter at least one public holiday."), field="holidays")
    ranges = []
    for item in data.holidays:
        name = str(item.get("name") or "").strip()
        what = name or _l("A holiday")
        if not name or len(name) > NAME_MAX:
            raise InvalidInput(
                _l("Give every holiday a name of at most %(max)s characters.", max=NAME_MAX),
                field="holidays",
            )
        start = _date(item.get("start"), what, "holidays")
        end = _date(item.get("end"), what, "holidays")
        if end < start:
            raise InvalidInput(_l("%(name)s ends before it starts.", name=name), field="holidays")
        if start.year != year or end.year != year:
            raise InvalidInput(
                _l(
                    "%(name)s (%(start)s to %(end)s) is not inside %(year)s.",
                    name=name,
                    start=start.isoformat(),
                    end=end.isoformat(),
                    year=year,
                ),
                field="holidays",
            )
        ranges.append((start, end, name))
    ranges.sort()
    for (_, end, name), (start, _, other) in itertools.pairwise(ranges):
        if start <= end:
            raise InvalidInput(
                _l("%(first)s and %(second)s overlap.", first=name, second=other),
                field="holidays",
            )
    days = []
    for item in data.workdays:
        name = str(item.get("name") or "").strip()
        if len(name) > NAME_MAX:
            raise InvalidInput(
                _l("Name a make-up working day in at most %(max)s characters.", max=NAME_MAX),
                field="workdays",
            )
        day = _date(item.get("day"), _l("A make-up working day"), "workdays")
        label = day.isoformat()
        if day.year != year:
            raise InvalidInput(
                _l("Make-up working day %(day)s is not in %(year)s.", day=label, year=year),
                field="workdays",
            )
        if day.weekday() < 5:
            raise InvalidInput(
                _l(
                    "Make-up working day %(day)s is not a Saturday or Sunday: "
                    "weekdays are working days already.",
                    day=label,
                ),
                field="workdays",
            )
        for start, end, holiday in ranges:
            if start <= day <= end:
                raise InvalidInput(
                    _l(
                        "Make-up working day %(day)s falls inside %(name)s.",
                        day=label,
                        name=holiday,
                    ),
                    field="workdays",
                )
        if any(d == day for d, _ in days):
            raise InvalidInput(
                _l("Make-up working day %(day)s is given twice.", day=label), field="workdays"
            )
        days.append((day, name))
    days.sort()
    return YearInput(
        year,
        source,
        [{"name": n, "start": s.isoformat(), "end": e.isoformat()} for s, e, n in ranges],
        [{"day": d.isoformat(), "name": n} for d, n in days],
    )


# ---- input from the form's text boxes and from files ------------------------------------


def parse_holiday_lines(text: str) -> list[dict]:
    """The form's holidays, one a line: `name, first day, last day` (a one-day holiday may
    leave out the last day)."""
    rows = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        parts = [p.strip() for p in line.replace("，", ",").split(",")]
        if not any(parts):
            continue
        if len(parts) not in (2, 3):
            raise InvalidInput(
                _l(
                    "Holidays, line %(line)s: write “name, first day, last day”.",
                    line=number,
                ),
                field="holidays",
            )
        name, start = parts[0], parts[1]
        rows.append({"name": name, "start": start, "end": parts[2] if len(parts) == 3 else start})
    return rows


def parse_workday_lines(text: str) -> list[dict]:
    """The form's make-up working days, one a line: `day` or `day, name`."""
    rows = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        parts = [p.strip() for p in line.replace("，", ",").split(",")]
        if not any(parts):
            continue
        if len(parts) > 2:
            raise InvalidInput(
                _l("Make-up working days, line %(line)s: write “day, name”.", line=number),
                field="workdays",
            )
        rows.append({"day": parts[0], "name": parts[1] if len(parts) == 2 else ""})
    return rows


def holiday_lines(rows: list[dict]) -> str:
    return "\n".join(f"{r['name']}, {r['start']}, {r['end']}" for r in rows)


def workday_lines(rows: list[dict]) -> str:
    return "\n".join(f"{r['day']}, {r['name']}".rstrip(", ") for r in rows)


def read_file(path: Path, year: int | None = None) -> YearInput:
    """A notice from a JSON or CSV file (see README "Calendar years" for both formats)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(_l("The file cannot be read: %(why)s", why=str(exc))) from None
    if path.suffix.lower() == ".json":
        return _from_json(text, year)
    if path.suffix.lower() == ".csv":
        return _from_csv(text, year)
    raise InvalidInput(_l("Give a .json or a .csv file."))


def _from_json(text: str, year: int | None) -> YearInput:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(_l("The file is not valid JSON: %(why)s", why=str(exc))) from None
    if not isinstance(data, dict):
        raise InvalidInput(_l("The file is not valid JSON: %(why)s", why="not an object"))
    holidays, workdays = data.get("holidays") or [], data.get("workdays") or []
    if (
        not isinstance(holidays, list)
        or not isinstance(workdays, list)
        or not all(isinstance(item, dict) for item in [*holidays, *workdays])
    ):
        raise InvalidInput(_l("“holidays” and “workdays” must be lists of objects."))
    file_year = data.get("year")
    if year is not None and file_year is not None and file_year != year:
        raise InvalidInput(_l("The file is for %(file)s, not %(year)s.", file=file_year, year=year))
    chosen = year if year is not None else file_year
    if not isinstance(chosen, int):
        raise InvalidInput(
            _l("Enter a year from %(min)s to %(max)s.", min=FIRST_YEAR, max=LAST_YEAR)
        )
    return YearInput(chosen, str(data.get("source") or ""), holidays, workdays)


def _from_csv(text: str, year: int | None) -> YearInput:
    holidays, workdays, source, years = [], [], "", set()
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or not {"kind", "name", "start", "end"} <= set(reader.fieldnames):
        raise InvalidInput(_l("The CSV file needs the columns kind, name, start, end."))
    for number, row in enumerate(reader, start=2):
        kind = (row.get("kind") or "").strip()
        if kind == "source":
            source = (row.get("name") or "").strip()
        elif kind == "holiday":
            holidays.append(
                {
                    "name": row.get("name"),
                    "start": row.get("start"),
                    "end": row.get("end") or row.get("start"),
                }
            )
        elif kind == "workday":
            workdays.append({"day": row.get("start"), "name": row.get("name")})
        elif kind == "note":
            continue  # a comment line (the example file says what it is)
        elif kind == "year":
            try:
                years.add(int((row.get("name") or "").strip()))
            except ValueError:
                years.add(None)
        else:
            raise InvalidInput(
                _l(
                    "Line %(line)s: kind “%(kind)s” is none of note, source, year, holiday, "
                    "workday.",
                    line=number,
                    kind=kind,
                )
            )
    if year is None:
        if len(years) != 1 or None in years:
            raise InvalidInput(_l("Name the year in the file (a “year” line) or with --year."))
        year = years.pop()
    elif years and years != {year}:
        raise InvalidInput(
            _l("The file is for %(file)s, not %(year)s.", file=sorted(map(str, years)), year=year)
        )
    return YearInput(year, source, holidays, workdays)


# ---- changes -----------------------------------------------------------------------------


def save_year(actor: User | None, data: YearInput, reason: str = "") -> CalendarYear:
    """Enters (or replaces) a year's notice; the year is `imported` until confirmed. `actor`
    None is the operator at the console (`flask calendar import`)."""
    _require_manage(actor)
    data = validate(data)
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise InvalidInput(
            _l("Give the reason in at most %(max)s characters.", max=REASON_MAX), field="reason"
        )
    row = db.session.get(CalendarYear, data.year)
    if row is not None and row.state == cal.CONFIRMED and not reason:
        raise InvalidInput(
            _l(
                "%(year)s is already confirmed: give the reason for changing it.",
                year=data.year,
            ),
            field="reason",
        )
    if row is None and cal.library_knows(data.year) and not reason:
        raise InvalidInput(
            _l(
                "The bundled holiday data already covers %(year)s: give the reason for "
                "entering it here.",
                year=data.year,
            ),
            field="reason",
        )
    before = None
    if row is None:
        row = CalendarYear(year=data.year, version=0)
        db.session.add(row)
    else:
        before = {
            "state": row.state,
            "holidays": row.holidays,
            "workdays": row.workdays,
            "source": row.source,
        }
    row.state = cal.IMPORTED
    row.holidays, row.workdays, row.source = data.holidays, data.workdays, data.source
    row.version = (row.version or 0) + 1
    row.imported_by_id = actor.id if actor else None
    row.imported_at = utcnow()
    row.confirmed_by_id, row.confirmed_at = None, None
    db.session.flush()
    cal.mark_changed()
    audit.record(
        "calendar.year_import" if before is None else "calendar.year_change",
        actor=actor,
        obj=row,
        details={
            "year": data.year,
            "source": data.source,
            "holidays": data.holidays,
            "workdays": data.workdays,
            **({"reason": reason, "before": before} if before is not None or reason else {}),
            **({"by": "console"} if actor is None else {}),
        },
    )
    return row


def confirm_year(actor: User | None, year: int) -> CalendarYear:
    """The entered notice was checked against the published one: the year is confirmed,
    deadlines running into it lose their mark, and the administrators' to-do ends."""
    _require_manage(actor)
    row = db.session.get(CalendarYear, year)
    if row is None:
        raise InvalidInput(_l("%(year)s has no notice entered to confirm.", year=year))
    if row.state == cal.CONFIRMED:
        raise InvalidInput(_l("%(year)s is already confirmed.", year=year))
    row.state = cal.CONFIRMED
    row.confirmed_by_id = actor.id if actor else None
    row.confirmed_at = utcnow()
    row.version += 1
    db.session.flush()
    cal.mark_changed()
    audit.record(
        "calendar.year_confirm",
        actor=actor,
        obj=row,
        details={
            "year": year,
            "source": row.source,
            **({"by": "console"} if actor is None else {}),
        },
    )
    from app.notifications.handoffs import mark_done

    mark_done(year_todo(year))
    return row


def year_todo(year: int) -> str:
    return f"calendar:{year}"


# ---- what pages show ---------------------------------------------------------------------


def years_to_warn(day: dt.date | None = None) -> list[int]:
    """The years administrators are warned about: this year when it is not confirmed, and
    from 1 November the next one until it is."""
    day = day or cal.today()
    years = [day.year]
    if (day.month, day.day) >= WARN_FROM:
        years.append(day.year + 1)
    return [y for y in years if not cal.year_confirmed(y)]


@dataclass(frozen=True)
class YearRow:
    year: int
    basis: str
    row: CalendarYear | None


def year_rows(day: dt.date | None = None) -> list[YearRow]:
    """Last year to next year, and every year entered: where each one's days come from."""
    day = day or cal.today()
    rows = {r.year: r for r in db.session.scalars(select(CalendarYear))}
    years = sorted({day.year - 1, day.year, day.year + 1, *rows})
    return [
        YearRow(y, rows[y].state if y in rows else cal.year_calendar(y).basis, rows.get(y))
        for y in years
    ]


def month_grid(calendar: cal.YearCalendar) -> list[dict]:
    """Twelve months, each a list of weeks (Monday first) of (day, kind) or None."""
    months = []
    for month in range(1, 13):
        first = dt.date(calendar.year, month, 1)
        weeks, week = [], [None] * first.weekday()
        day = first
        while day.month == month:
            week.append((day, calendar.kind(day)))
            if len(week) == 7:
                weeks.append(week)
                week = []
            day += dt.timedelta(days=1)
        if week:
            weeks.append(week + [None] * (7 - len(week)))
        working = sum(1 for w in weeks for d in w if d and d[1] in ("workday", "makeup"))
        months.append({"month": month, "weeks": weeks, "working": working})
    return months


def preview_calendar(row: CalendarYear) -> cal.YearCalendar:
    return cal.YearCalendar.from_data(row.year, row.state, row.holidays, row.workdays)
