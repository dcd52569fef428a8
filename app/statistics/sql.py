"""What a figure's query needs to know, and the few expressions SQLite and PostgreSQL spell
differently (months, China Standard Time dates, day differences, medians)."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field

from sqlalchemy import Date, cast, func, select

from app.cases.models import Case
from app.core.calendar import CST
from app.extensions import db
from app.statistics.models import CaseFacet, CaseSummary
from app.statistics.periods import Period


@dataclass(frozen=True)
class FigureQuery:
    """The cases a figure may count: those of `agency_ids` (every agency when None),
    concerning `institution` when given, in `period`."""

    period: Period
    agency_ids: tuple[int, ...] | None = None
    institution: str | None = None
    # Count the summaries and facets themselves, not their running counts (the tests
    # compare the two).
    from_summaries: bool = False
    _shared: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def shared(self, key: str, compute):
        """The result of one statement that several figures of a page read (received by
        month and by source are one pass over the period's summaries), run once."""
        if key not in self._shared:
            self._shared[key] = compute()
        return self._shared[key]

    @property
    def counted(self) -> bool:
        """Whether the running counts answer (app/statistics/counts.py): they are kept by
        day and agency, not by institution."""
        return self.institution is None and not self.from_summaries

    @property
    def postgres(self) -> bool:
        return db.engine.dialect.name == "postgresql"

    def scope_clauses(self, agency_id, case_id) -> list:
        """The scope's conditions on a table carrying a case's agency and id."""
        clauses = []
        if self.agency_ids is not None:
            clauses.append(agency_id.in_(self.agency_ids))
        if self.institution is not None:
            clauses.append(case_id.in_(concerning(self.institution)))
        return clauses

    def case_clauses(self) -> list:
        return self.scope_clauses(Case.agency_id, Case.id)

    def summary_clauses(self) -> list:
        """For the case summaries, which carry their case's agency."""
        return self.scope_clauses(CaseSummary.agency_id, CaseSummary.case_id)

    def in_period(self, column) -> list:
        return [column >= self.period.start, column <= self.period.end]

    def at_in_period(self, column) -> list:
        """A timestamp column within the period's days in China Standard Time."""
        start = dt.datetime.combine(self.period.start, dt.time(), tzinfo=CST).astimezone(dt.UTC)
        end = dt.datetime.combine(
            self.period.end + dt.timedelta(days=1), dt.time(), tzinfo=CST
        ).astimezone(dt.UTC)
        return [column >= start, column < end]

    def months(self) -> list[str]:
        """Every month of the period, so a month without cases shows as 0, not as a gap."""
        found, day = [], self.period.start.replace(day=1)
        while day <= self.period.end:
            found.append(day.strftime("%Y-%m"))
            day = (day + dt.timedelta(days=32)).replace(day=1)
        return found

    def month(self, column):
        if self.postgres:
            return func.to_char(column, "YYYY-MM")
        return func.strftime("%Y-%m", column)

    def local_month(self, column):
        if self.postgres:
            return func.to_char(func.timezone("Asia/Shanghai", column), "YYYY-MM")
        return func.strftime("%Y-%m", column, "+8 hours")

    def local_date(self, column):
        if self.postgres:
            return cast(func.timezone("Asia/Shanghai", column), Date)
        return func.date(column, "+8 hours")

    def days(self, later, earlier):
        if self.postgres:
            return later - earlier
        return cast(func.julianday(later) - func.julianday(earlier), db.Integer)

    def year(self, column):
        if self.postgres:
            return cast(func.extract("year", column), db.Integer)
        return cast(func.strftime("%Y", column), db.Integer)


def concerning(institution: str):
    """Cases with a respondent at this institution, or the institution itself responding
    (their institution facets, app/statistics/summaries.py)."""
    return select(CaseFacet.case_id).where(
        CaseFacet.kind == "institution", CaseFacet.value == institution
    )


def medians(q: FigureQuery, group, days, *where) -> dict:
    """Median of `days` per group value and overall (key "*"): percentile_cont in
    PostgreSQL; SQLite has no such aggregate, so its few rows are read and sorted here."""
    if q.postgres:
        median = func.percentile_cont(0.5).within_group(days)
        found = dict(db.session.execute(select(group, median).where(*where).group_by(group)).all())
        found["*"] = db.session.scalar(select(median).where(*where))
        return {k: (float(v) if v is not None else None) for k, v in found.items()}
    per: dict = {}
    for key, value in db.session.execute(select(group, days).where(*where)):
        per.setdefault(key, []).append(value)
    result = {k: float(statistics.median(v)) for k, v in per.items()}
    everything = [v for values in per.values() for v in values]
    result["*"] = float(statistics.median(everything)) if everything else None
    return result
