"""Benchmark data looks like real cases to the list and search, and leaves the reference
sequences so that the next real registration does not collide."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from app.cases.models import Case, CaseState, HistoryEntry, Party
from app.core.calendar import today
from app.demo.bench import DUE_BY_STATE, seed_bench


def test_seed_bench_loads_searchable_cases_that_registration_continues(
    app, db, make_case, make_user, login
):
    before = db.session.scalar(select(func.count()).select_from(Case))
    assert seed_bench(60, seed=3, batch=25) == 60
    cases = db.session.scalars(select(Case).order_by(Case.id.desc()).limit(60)).all()
    assert db.session.scalar(select(func.count()).select_from(Case)) == before + 60
    assert {c.agency.code for c in cases} == {"SH", "JS", "ZJ", "AH"}
    history = db.session.scalar(
        select(func.count())
        .select_from(HistoryEntry)
        .where(HistoryEntry.case_id.in_([c.id for c in cases]))
    )
    assert history >= 60 * 10
    from app.statistics.models import CaseSummary
    from tests.statistics.test_case_summaries import (
        facet_rows,
        recomputed,
        recomputed_facets,
        stored,
    )

    for case in cases[:12]:  # the figures' summaries, as the services would have left them
        assert stored(case.id) == recomputed(case) and db.session.get(CaseSummary, case.id)
        assert facet_rows(case.id) == recomputed_facets(case)
    for case in cases:
        assert re.search(r"[\u4e00-\u9fff]", case.title)
        assert case.respondents[0].name in case.search_text
        assert case.reference.lower() in case.search_text
        if case.state in DUE_BY_STATE and case.state != CaseState.decided:
            assert case.due_date is not None, case.state

    sh = [c for c in cases if c.agency.code == "SH"]
    # A registration is numbered in the year it is made, after the seed's cases of that year.
    year = today().year
    highest = max((c.seq for c in sh if c.year == year), default=0)
    officer = make_user("SH")
    fresh = make_case("SH", by=officer, received_date=dt.date(year, 1, 2))
    assert (fresh.year, fresh.seq) == (year, highest + 1)

    name = sh[0].respondents[0].name
    client = login(officer)
    page = client.get(f"/cases?q={name}").get_data(as_text=True)
    assert sh[0].reference in page
    assert db.session.scalar(select(func.count()).select_from(Party)) >= 60


def test_a_large_seed_builds_the_indexes_and_constraints_it_dropped_as_they_were(db):
    """PostgreSQL: what a deferred-index seed drops (secondary indexes, unique and foreign-key
    constraints of the loaded tables; never a primary key) comes back with the same
    definitions, validated."""
    import pytest
    from sqlalchemy import text

    from app.demo.bench import TABLES, _drop_for_load, _rebuild

    if db.engine.dialect.name != "postgresql":
        pytest.skip("indexes are deferred on PostgreSQL only")
    names = [table.name for table in TABLES.values()]

    def schema():
        indexes = db.session.execute(
            text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(:n)"),
            {"n": names},
        ).all()
        constraints = db.session.execute(
            text(
                "SELECT conname, contype, pg_get_constraintdef(oid), convalidated "
                "FROM pg_constraint WHERE conrelid::regclass::text = ANY(:n)"
            ),
            {"n": names},
        ).all()
        return set(indexes), set(constraints)

    before = schema()
    statements = _drop_for_load()
    indexes, constraints = schema()
    assert {name for name, _definition in indexes} == {f"pk_{name}" for name in names}
    assert {kind for _name, kind, _definition, _valid in constraints} <= {"p", "c"}
    assert any("gin_trgm_ops" in statement for statement in statements)
    _rebuild(statements)
    assert schema() == before
