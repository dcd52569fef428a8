"""The running counts behind the agency and region figures (`CaseCount`), kept in step with
the case summaries and facets.

Each summary and each type, institution, (institution, type) or sanction facet counts once
under a row (kind, day, agency, key). `refresh_summary` takes what the summary and facets
it replaces counted and what their recomputation counts, and adds the difference (`add`),
in its own transaction and under the case row's lock, so the rows always equal a GROUP BY
over the summaries and facets: `rebuild` recounts them that way (migration
0030_statsum_case_counts; the tests compare the two). A page then adds up one row per day,
agency and key of its period (a year of the region's received cases is about 7,000 rows)
instead of every case of it. An institution's profile reads its own keys (institution;
institution and type) over every day; its other figures, which depend on today (sanctions
in force, records' status), count the facets and rows.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping

from sqlalchemy import String, case, cast, delete, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite

from app.cases.models import Case, Sanction
from app.extensions import db
from app.statistics.models import CaseCount, CaseFacet, CaseSummary

STAGES = ("preliminary", "investigation")
COUNTED_FACETS = ("type", "institution", "inst_type")
CHUNK = 1000


def _text(value) -> str:
    return str(getattr(value, "value", value))


def outcome_key(state, worst_finding) -> str:
    return f"{_text(state)}|{worst_finding or 0}"


def outcome_of(key: str) -> tuple[str, int]:
    state, worst_finding = key.split("|")
    return state, int(worst_finding)


def stage_key(days: int | None, on_time: bool | None) -> str:
    return f"{'' if days is None else days}|{1 if on_time else 0}"


def split_stage_key(key: str) -> tuple[int | None, bool]:
    days, on_time = key.split("|")
    return (int(days) if days else None), on_time == "1"


def contributions(summary: Mapping | None, facet_rows: Iterable[Mapping] = ()) -> Counter:
    """The rows a case's summary and facets count under, once each."""
    found: Counter = Counter()
    if summary is not None:
        agency_id = summary["agency_id"]

        def count(kind: str, day: dt.date | None, key: str) -> None:
            if day is not None:
                found[kind, day, agency_id, key] += 1

        count("received", summary["received_date"], _text(summary["source"]))
        count("concluded", summary["concluded_on"], "")
        count(
            "outcome",
            summary["outcome_on"],
            outcome_key(summary["outcome_state"], summary["worst_finding"]),
        )
        for stage in STAGES:
            key = stage_key(summary[f"{stage}_days"], summary[f"{stage}_on_time"])
            count(stage, summary[f"{stage}_left_on"], key)
        if summary["open_state"] is not None:
            count("open", summary["due_date"], _text(summary["open_state"]))
    for facet in facet_rows:
        if facet["kind"] in COUNTED_FACETS:
            found[facet["kind"], facet["received_date"], facet["agency_id"], facet["value"]] += 1
        elif facet["kind"] == "sanction":  # by its start and type
            start, sanction_type, _id = facet["value"].split("|")
            found["sanction", dt.date.fromisoformat(start), facet["agency_id"], sanction_type] += 1
    return found


def _upsert():
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(CaseCount)
    return stmt.on_conflict_do_update(
        index_elements=["kind", "day", "agency_id", "key"],
        set_={"n": CaseCount.n + stmt.excluded.n},
    )


def add(deltas: Counter) -> None:
    """Adds each difference to its row in one statement (n = n + difference, the row made
    first when missing), the rows in key order so that two transactions lock shared rows in
    the same order."""
    changes = sorted((key, n) for key, n in deltas.items() if n)
    for start in range(0, len(changes), CHUNK):
        rows = [
            {"kind": kind, "day": day, "agency_id": agency_id, "key": key, "n": n}
            for (kind, day, agency_id, key), n in changes[start : start + CHUNK]
        ]
        db.session.execute(_upsert().values(rows))


def contributions_of(case_ids: list[int]) -> Counter:
    """What these cases' stored summaries and facets count under."""
    summaries = (
        db.session.execute(select(CaseSummary.__table__).where(CaseSummary.case_id.in_(case_ids)))
        .mappings()
        .all()
    )
    facet_rows = (
        db.session.execute(select(CaseFacet.__table__).where(CaseFacet.case_id.in_(case_ids)))
        .mappings()
        .all()
    )
    found = contributions(None, facet_rows)
    for summary in summaries:
        found.update(contributions(summary))
    return found


def forget(case_ids: list[int]) -> None:
    """Takes these cases out of the counts, before they are deleted (only test clean-ups
    delete cases)."""
    deltas: Counter = Counter()
    deltas.subtract(contributions_of(case_ids))
    add(deltas)


def _recount(kind: str, day, key=None, *where, table=CaseSummary) -> None:
    """Counts of a kind by day, agency and `key` (none: the empty key)."""
    keys = [] if key is None else [key]
    stmt = (
        select(
            literal(kind, String),
            day,
            table.agency_id,
            key if key is not None else literal("", String),
            func.count(),
        )
        .where(day.is_not(None), *where)
        .group_by(day, table.agency_id, *keys)
    )
    db.session.execute(
        CaseCount.__table__.insert().from_select(["kind", "day", "agency_id", "key", "n"], stmt)
    )


def rebuild() -> None:
    """Every count again from the summaries and facets."""
    db.session.execute(delete(CaseCount))
    s = CaseSummary
    _recount("received", s.received_date, cast(s.source, String))
    _recount("concluded", s.concluded_on)
    _recount("outcome", s.outcome_on, s.outcome_state + "|" + cast(s.worst_finding, String))
    for stage in STAGES:
        days, on_time = getattr(s, f"{stage}_days"), getattr(s, f"{stage}_on_time")
        key = func.coalesce(cast(days, String), "") + "|" + case((on_time, "1"), else_="0")
        _recount(stage, getattr(s, f"{stage}_left_on"), key)
    _recount("open", s.due_date, s.open_state, s.open_state.is_not(None))
    for kind in COUNTED_FACETS:
        f = CaseFacet
        _recount(kind, f.received_date, f.value, f.kind == kind, table=f)
    _recount_sanctions()


def _recount_sanctions() -> None:
    """The sanctions by start, their case's agency and type (what their facets count)."""
    stmt = (
        select(
            literal("sanction", String),
            Sanction.start_date,
            Case.agency_id,
            cast(Sanction.sanction_type, String),
            func.count(),
        )
        .join(Case, Case.id == Sanction.case_id)
        .group_by(Sanction.start_date, Case.agency_id, Sanction.sanction_type)
    )
    db.session.execute(
        CaseCount.__table__.insert().from_select(["kind", "day", "agency_id", "key", "n"], stmt)
    )


def recount_sanctions() -> None:
    """The sanctions' facets and counts again, after sanctions were written in bulk (the
    statistics benchmark's data)."""
    db.session.execute(delete(CaseFacet).where(CaseFacet.kind == "sanction"))
    db.session.execute(delete(CaseCount).where(CaseCount.kind == "sanction"))
    value = (
        cast(Sanction.start_date, String)
        + "|"
        + cast(Sanction.sanction_type, String)
        + "|"
        + cast(Sanction.id, String)
    )
    rows = select(
        Sanction.case_id, literal("sanction", String), value, Case.agency_id, Case.received_date
    ).join(Case, Case.id == Sanction.case_id)
    db.session.execute(
        CaseFacet.__table__.insert().from_select(
            ["case_id", "kind", "value", "agency_id", "received_date"], rows
        )
    )
    _recount_sanctions()


def counted_under(kind: str, keys: list[str], *group):
    """The counts of a kind under `keys` on every day, summed per `group` and agency (an
    institution's profile covers every year)."""
    return (
        select(*group, CaseCount.agency_id, func.sum(CaseCount.n))
        .where(CaseCount.kind == kind, CaseCount.key.in_(keys))
        .group_by(*group, CaseCount.agency_id)
        .having(func.sum(CaseCount.n) > 0)
    )


def counted(q, kind: str, *group, days=None):
    """The counts of a kind in the query's period (or on `days`) and agencies, summed per
    `group` and agency (zero rows left out, as a count of the summaries has none)."""
    stmt = select(*group, CaseCount.agency_id, func.sum(CaseCount.n)).where(
        CaseCount.kind == kind, *(q.in_period(CaseCount.day) if days is None else days)
    )
    if q.agency_ids is not None:
        stmt = stmt.where(CaseCount.agency_id.in_(q.agency_ids))
    return stmt.group_by(*group, CaseCount.agency_id).having(func.sum(CaseCount.n) > 0)
