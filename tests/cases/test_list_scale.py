"""The case list at scale: the page's ids found part by part of what the user sees, the same
cases in the same order as one query over all of them; a total past the exact-count threshold
is PostgreSQL's estimate and reads "about" (SQLite counts exactly)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.cases import extension_points as case_points
from app.cases import queries
from app.cases.models import Case
from app.cases.queries import CaseFilters, case_query, paginate_cases

SORTS = [
    (s, d)
    for s in ("received", "reference", "title", "state", "due", "updated")
    for d in ("asc", "desc")
]


@pytest.fixture
def officer_of_two_parts(db, make_user, make_case):
    """An SH officer who also sees two ZJ cases (a visibility clause, as a joint
    investigation adds one), and cases of both agencies interleaved by date."""
    officer = make_user("SH", roles=("officer",))
    for n in range(5):
        make_case("SH", title=f"上海{n}案", received_date=dt.date(2026, 1, 2 + 2 * n))
        make_case("ZJ", title=f"浙江{n}案", received_date=dt.date(2026, 1, 3 + 2 * n))
    shared = db.session.scalars(select(Case.id).where(Case.title.in_(["浙江1案", "浙江3案"]))).all()
    clause = lambda user: Case.id.in_(shared) if user.id == officer.id else None  # noqa: E731
    case_points.visibility.register(clause)
    yield officer
    case_points.visibility.unregister(clause)


@pytest.mark.parametrize(("sort", "direction"), SORTS)
def test_pages_over_the_parts_list_what_one_query_over_all_of_them_lists(
    db, officer_of_two_parts, sort, direction
):
    filters = CaseFilters(sort=sort, direction=direction)
    whole = db.session.scalars(case_query(officer_of_two_parts, filters)).all()
    assert len(whole) == 7 and sum(c.agency.code == "ZJ" for c in whole) == 2
    paged = [
        case
        for number in (1, 2, 3, 4)
        for case in paginate_cases(
            officer_of_two_parts, filters, page=number, per_page=2, error_out=False
        ).items
    ]
    assert [c.id for c in paged] == [c.id for c in whole]
    assert paginate_cases(officer_of_two_parts, filters, page=1, per_page=2).total == 7


def test_a_total_past_the_threshold_is_an_estimate_labelled_about(
    db, officer_of_two_parts, client, login, monkeypatch
):
    postgres = db.engine.dialect.name == "postgresql"
    monkeypatch.setattr(queries, "EXACT_COUNT_UP_TO", 3)
    page = paginate_cases(officer_of_two_parts, CaseFilters(), page=1, per_page=2)
    assert page.estimated is postgres
    assert page.total >= (4 if postgres else 7)
    assert len(page.items) == 2
    login(officer_of_two_parts)
    html = client.get("/cases").get_data(as_text=True)
    if postgres:
        assert 'data-estimated="true">约 ' in html
        client.post("/language/en")
        assert ">about " in client.get("/cases").get_data(as_text=True)
    else:
        assert 'data-testid="total">共 7 件' in html
    monkeypatch.setattr(queries, "EXACT_COUNT_UP_TO", 10)
    exact = paginate_cases(officer_of_two_parts, CaseFilters(), page=1, per_page=2)
    assert not exact.estimated and exact.total == 7
