"""The figures' SQL (one pass per figure, grouping sets and shared statements on PostgreSQL,
rows read on SQLite) against a recomputation in Python from the case summaries and facets;
and the institution profile with findings of every outcome."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter

import pytest
from sqlalchemy import select

from app.cases.models import (
    CaseSource,
    CaseState,
    Finding,
    FindingOutcome,
    MisconductType,
    PartyType,
)
from app.cases.services import AllegationInput, RespondentInput
from app.extensions import db
from app.statistics.case_figures import (
    TOP_INSTITUTIONS,
    by_institution,
    by_source,
    by_type,
    received,
    stage_times,
)
from app.statistics.figures import TOTAL
from app.statistics.models import CaseFacet, CaseSummary
from app.statistics.periods import Period, year_period
from app.statistics.record_figures import institution_types
from app.statistics.sql import FigureQuery

YEAR = 2026
STATES = [
    CaseState.received,
    CaseState.not_accepted,
    CaseState.investigating,
    CaseState.terminated,
    CaseState.findings,
    CaseState.decided,
]
TYPES = list(MisconductType)


@pytest.fixture
def spread(make_case):
    """Cases of two agencies over two years, in states that leave the preliminary review
    after 10, 14 or 15 days and the investigation after 105, with several sources, types
    and respondent institutions."""
    cases = []
    for i in range(18):
        received_on = dt.date(YEAR - (i % 3 == 0), 1 + (i * 5) % 11, 1 + (i * 7) % 27)
        institutions = [f"机构{i % 4}"] + ([f"机构{i % 3 + 4}"] if i % 5 == 0 else [])
        cases.append(
            make_case(
                "SH" if i % 3 else "JS",
                state=STATES[i % len(STATES)],
                source=list(CaseSource)[i % 4],
                received_date=received_on,
                respondents=[
                    RespondentInput(
                        name=f"被调查人{i}{n}", party_type=PartyType.person, institution=name
                    )
                    for n, name in enumerate(institutions)
                ],
                allegations=[
                    AllegationInput(misconduct_type=t, description="描述")
                    for t in {TYPES[i % len(TYPES)], TYPES[(i * 3) % len(TYPES)]}
                ],
            )
        )
    return cases


def _within(day, period: Period) -> bool:
    return day is not None and period.start <= day <= period.end


def recomputed(q: FigureQuery) -> dict[str, dict]:
    summaries = [
        s
        for s in db.session.scalars(select(CaseSummary))
        if q.agency_ids is None or s.agency_id in q.agency_ids
    ]
    facets = [
        f
        for f in db.session.scalars(select(CaseFacet))
        if (q.agency_ids is None or f.agency_id in q.agency_ids)
        and _within(f.received_date, q.period)
    ]
    new = [s for s in summaries if _within(s.received_date, q.period)]
    expected: dict[str, dict] = {
        "received": Counter((s.received_date.strftime("%Y-%m"), s.agency_id) for s in new),
        "source": Counter((CaseSource(s.source).value, s.agency_id) for s in new),
        "type": Counter((f.value, f.agency_id) for f in facets if f.kind == "type"),
    }
    named = Counter((f.value, f.agency_id) for f in facets if f.kind == "institution")
    totals = Counter()
    for (name, _agency), n in named.items():
        totals[name] += n
    top = sorted(totals, key=lambda name: (-totals[name], name))[:TOP_INSTITUTIONS]
    expected["institution"] = {k: n for k, n in named.items() if k[0] in top}
    stages: dict = {}
    for stage in ("preliminary", "investigation"):
        done = [s for s in summaries if _within(getattr(s, f"{stage}_left_on"), q.period)]
        for column in {s.agency_id for s in done} | {TOTAL}:
            rows = [s for s in done if column in (TOTAL, s.agency_id)]
            ok = sum(bool(getattr(s, f"{stage}_on_time")) for s in rows)
            days = [getattr(s, f"{stage}_days") for s in rows]
            days = [d for d in days if d is not None]
            if column != TOTAL:
                stages[f"{stage}.completed", column] = len(rows)
                stages[f"{stage}.on_time", column] = ok
            stages[f"{stage}.share", column] = 100.0 * ok / len(rows) if rows else None
            stages[f"{stage}.median", column] = float(statistics.median(days)) if days else None
        if not done:
            stages[f"{stage}.share", TOTAL] = stages[f"{stage}.median", TOTAL] = None
    expected["stages"] = stages
    return expected


def computed(q: FigureQuery) -> dict[str, dict]:
    def counts(triples):
        return {(r, a): n for r, a, n in triples if a != TOTAL and n}

    measures = ("completed", "on_time", "share", "median")
    return {
        "received": counts(received(q)),
        "source": counts(by_source(q)),
        "type": counts(by_type(q)),
        "institution": counts(by_institution(q)),
        "stages": {(r, a): v for r, a, v in stage_times(q) if r.split(".")[1] in measures},
    }


@pytest.mark.parametrize(
    "period",
    [
        year_period(YEAR),
        year_period(YEAR - 1),
        Period(dt.date(YEAR, 4, 1), dt.date(YEAR, 6, 30), YEAR, 2),
        Period(dt.date(YEAR - 1, 8, 17), dt.date(YEAR, 5, 3)),
    ],
    ids=["year", "last-year", "quarter", "range"],
)
def test_figures_equal_a_recomputation_from_the_summaries(spread, period):
    sh, js = spread[1].agency_id, spread[0].agency_id
    for agency_ids in (None, (sh,), (js,)):
        q = FigureQuery(period=period, agency_ids=agency_ids)
        expected = recomputed(q)
        assert computed(q) == {k: dict(v) for k, v in expected.items()}, agency_ids
    stages = recomputed(FigureQuery(period=year_period(YEAR)))["stages"]
    assert stages["preliminary.completed", sh] >= 3  # the check above compared real data
    assert stages["investigation.median", TOTAL] is not None


def test_institution_profile_shows_types_and_findings_of_every_outcome(spread, make_user, login):
    decided = next(c for c in spread if c.state == CaseState.decided)
    name = decided.respondents[0].institution
    finding = db.session.scalars(select(Finding).where(Finding.case_id == decided.id)).first()
    finding.outcome, finding.severity = FindingOutcome.no_misconduct, None
    db.session.flush()
    q = FigureQuery(period=year_period(YEAR), institution=name)
    concerned = {
        f.case_id
        for f in db.session.scalars(
            select(CaseFacet).where(CaseFacet.kind == "institution", CaseFacet.value == name)
        )
    }
    expected = Counter(
        (f.value, f.agency_id)
        for f in db.session.scalars(select(CaseFacet).where(CaseFacet.kind == "type"))
        if f.case_id in concerned
    )
    assert {(t, a): n for t, a, n in institution_types(q)} == dict(expected) != {}
    client = login(make_user(decided.agency.code, roles=("supervisor",)))
    response = client.get("/statistics/institution", query_string={"name": name})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    start = page.index('data-testid="figure-inst_findings"')
    assert 'data-row="no_misconduct"' in page[start:]
