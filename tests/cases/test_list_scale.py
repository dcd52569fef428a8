"""The case list at scale: the page's ids found part by part of what the user sees, the same
cases in the same order as one query over all of them; a total past the exact-count threshold
is PostgreSQL's estimate and reads "about" (SQLite counts exactly)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from app.cases import extension_points as case_points
from app.cases import queries
from app.cases.models import Case
from app.cases.queries import CaseFilters, Cursor, case_query, paginate_cases

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
    db, officer_of_two_parts, client, login, monkeypatch, make_case
):
    postgres = db.engine.dialect.name == "postgresql"
    monkeypatch.setattr(queries, "EXACT_COUNT_UP_TO", 3)
    page = paginate_cases(officer_of_two_parts, CaseFilters(), page=1, per_page=2)
    assert page.estimated is postgres
    assert page.total >= (4 if postgres else 7)
    assert len(page.items) == 2
    login(officer_of_two_parts)
    # The page of 25 shows the list's end: what it counted is exact, whatever the threshold.
    html = client.get("/cases").get_data(as_text=True)
    assert 'data-testid="total">共 7 件' in html
    for n in range(20):
        make_case("SH", title=f"补充{n}案", received_date=dt.date(2026, 2, 1 + n))
    html = client.get("/cases").get_data(as_text=True)
    if postgres:
        assert 'data-estimated="true">约 ' in html
        client.post("/language/en")
        assert ">about " in client.get("/cases").get_data(as_text=True)
    else:
        assert 'data-testid="total">共 27 件' in html
    monkeypatch.setattr(queries, "EXACT_COUNT_UP_TO", 30)
    exact = paginate_cases(officer_of_two_parts, CaseFilters(), page=1, per_page=2)
    assert not exact.estimated and exact.total == 27


def test_next_stays_open_past_an_estimate_that_falls_short_and_closes_at_the_end(
    db, officer_of_two_parts, monkeypatch, client, login
):
    """PostgreSQL's estimate can fall far short of what is listed (临床试验 at a million
    cases: 10,178 estimated, more than 15,000 listed), and Next closed at the estimate's last
    page: each page reads one case more than it shows, so Next stays open while there is
    one and the total is exact on the page where the list ends. SQLite counts exactly."""
    from app.core import sql

    officer = officer_of_two_parts
    monkeypatch.setattr(queries, "EXACT_COUNT_UP_TO", 1)
    monkeypatch.setattr(sql, "estimated_rows", lambda *_args: 2)  # of the 7
    page = paginate_cases(officer, CaseFilters(), page=1, per_page=2)
    assert page.estimated is (db.engine.dialect.name == "postgresql")
    walked = [c.id for c in page.items]
    while page.has_next:
        cursor = Cursor.parse(page.next_cursor["after"], None)
        page = paginate_cases(officer, CaseFilters(), page=page.page + 1, per_page=2, cursor=cursor)
        walked += [c.id for c in page.items]
    whole = db.session.scalars(case_query(officer, CaseFilters())).all()
    assert walked == [c.id for c in whole] and page.page == 4
    assert page.total == 7 and not page.estimated and page.next_cursor == {}
    by_number = paginate_cases(officer, CaseFilters(), page=3, per_page=2)
    assert by_number.has_next and by_number.total >= 7
    cursor = Cursor.parse(None, page.prev_cursor["before"])
    back = paginate_cases(officer, CaseFilters(), page=3, per_page=2, cursor=cursor)
    assert [c.id for c in back.items] == [c.id for c in by_number.items] and back.has_next
    # A page past the end says where the last one is, as estimated where the total is.
    login(officer)
    html = client.get("/cases?page=2").get_data(as_text=True)
    if db.engine.dialect.name == "postgresql":
        assert "没有第 2 页；最后一页约为第 1 页。" in html
    else:
        assert "没有第 2 页；最后一页是第 1 页。" in html


@pytest.mark.parametrize("direction", ["desc", "asc"])
@pytest.mark.parametrize("q", [None, "案"])
def test_pages_walked_by_their_keys_are_the_pages_by_number(db, officer_of_two_parts, direction, q):
    filters = CaseFilters(q=q, direction=direction)
    by_number = [
        [c.id for c in paginate_cases(officer_of_two_parts, filters, page=n, per_page=2).items]
        for n in (1, 2, 3, 4)
    ]
    page = paginate_cases(officer_of_two_parts, filters, page=1, per_page=2)
    forward = [[c.id for c in page.items]]
    for number in (2, 3, 4):
        cursor = Cursor.parse(page.next_cursor["after"], None)
        page = paginate_cases(officer_of_two_parts, filters, page=number, per_page=2, cursor=cursor)
        forward.append([c.id for c in page.items])
    assert forward == by_number and page.next_cursor == {}
    backward = [forward[-1]]
    for number in (3, 2, 1):
        cursor = Cursor.parse(None, page.prev_cursor["before"])
        page = paginate_cases(officer_of_two_parts, filters, page=number, per_page=2, cursor=cursor)
        backward.insert(0, [c.id for c in page.items])
    assert backward == by_number and page.prev_cursor == {}


def _listed(html: str) -> list[str]:
    return re.findall(r'href="/cases/([A-Z]+-[0-9]+-[0-9]+)"', html)


@pytest.fixture
def three_pages(db, make_user, make_case):
    """An officer whose list is three pages of the HTML list's 25."""
    officer = make_user("SH", roles=("officer",))
    for n in range(55):
        make_case("SH", by=officer, received_date=dt.date(2025, 1, 1) + dt.timedelta(days=n // 2))
    return officer


def test_the_list_links_its_neighbours_by_key_and_other_pages_by_number(
    db, three_pages, client, login
):
    login(three_pages)
    html = client.get("/cases?page=2").get_data(as_text=True)
    links = [
        link.replace("&amp;", "&") for link in re.findall(r'class="page-link" href="([^"]+)"', html)
    ]
    shown = paginate_cases(three_pages, CaseFilters(), page=2, per_page=25).items
    assert "before=" + Cursor.key_of(shown[0]) in links[0]
    assert "after=" + Cursor.key_of(shown[-1]) in links[-1]
    assert not any("after=" in link or "before=" in link for link in links[1:-1])
    for link, number in ((links[0], 1), (links[-1], 3)):
        by_key = _listed(client.get(link).get_data(as_text=True))
        assert by_key == _listed(client.get(f"/cases?page={number}").get_data(as_text=True))
    by_title = client.get("/cases?page=2&sort=title").get_data(as_text=True)
    assert "after=" not in by_title and "before=" not in by_title


@pytest.mark.parametrize(
    "mangled", ["", "2025-01-05", "2025-1-5.3", "2025-13-01.3", "2025-01-05.x", "2025-01-05.-1"]
)
def test_a_mangled_key_opens_the_page_by_its_number(db, three_pages, client, login, mangled):
    assert Cursor.parse(mangled, None) is None
    login(three_pages)
    page = client.get(f"/cases?page=2&after={mangled}").get_data(as_text=True)
    assert _listed(page) == _listed(client.get("/cases?page=2").get_data(as_text=True))
    assert len(_listed(page)) == 25
