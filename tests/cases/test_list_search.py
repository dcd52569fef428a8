"""The case list's search: whatever path the database takes (the short-gram index for a one- or
two-character term on PostgreSQL, pg_trgm for longer ones, a scan on SQLite), a search lists
exactly the cases whose search text holds the term, in the list's order, on every page."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text

from app.cases import queries
from app.cases.models import Case
from app.cases.queries import (
    CaseFilters,
    case_query,
    gram_clause,
    indexed_search_clause,
    paginate_cases,
    search_clauses,
)

TITLES = [
    "王敏论文涉嫌抄袭",
    "李王涉嫌伪造数据",
    "张伟临床试验数据涉嫌篡改",
    "abc王项目申请书",
    "50%王的会议论文",
    "王_敏的专利申请文件",
    "刘洋博士学位论文",
    "Wang Min 的SCI期刊论文",
    "敏感数据临床试验",
    "陈王敏实验室原始记录",
]
TERMS = ["王", "王敏", "敏", "c王", "%王", "王_", "临床试验", "wang", "论", "不存在"]


@pytest.fixture
def searched(db, make_user, make_case):
    officer = make_user("SH", roles=("officer",))
    for n, title in enumerate(TITLES):
        make_case("SH", by=officer, title=title, received_date=dt.date(2026, 1, 1 + n % 4))
    make_case("ZJ", title="王敏在浙江的案件")  # another agency's: never listed
    return officer


def _holding(db, officer, term: str) -> list[int]:
    """The officer's cases whose search text holds `term`, in the list's order, found in
    Python: what every path must list."""
    everything = db.session.scalars(case_query(officer, CaseFilters())).all()
    return [c.id for c in everything if term.lower() in c.search_text]


# How much a table read weighs against an index row when the list picks a search's form: 0
# has it read every term's matches from an index of the search text on PostgreSQL (the gram
# index, pg_trgm), a billion walk the agency's index testing each row.
FORMS = {"search index": 0, "index walk": 10**9}


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("term", TERMS)
def test_a_search_lists_exactly_the_cases_holding_the_term_on_every_page(
    db, searched, term, form, monkeypatch
):
    monkeypatch.setattr(queries, "HEAP_READ", FORMS[form])
    expected = _holding(db, searched, term)
    filters = CaseFilters(q=term)
    listed = [
        case.id
        for number in range(1, 8)
        for case in paginate_cases(
            searched, filters, page=number, per_page=2, error_out=False
        ).items
    ]
    assert listed == expected
    assert paginate_cases(searched, filters, page=1, per_page=2).total == len(expected)
    if term != "不存在":
        assert expected


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("term", ["王", "敏"])
def test_a_deep_page_of_a_one_character_search_is_that_page_of_the_whole_list(
    db, searched, term, form, monkeypatch
):
    monkeypatch.setattr(queries, "HEAP_READ", FORMS[form])
    expected = _holding(db, searched, term)
    for number, case_id in enumerate(expected, start=1):
        page = paginate_cases(searched, CaseFilters(q=term), page=number, per_page=1)
        assert [c.id for c in page.items] == [case_id]


def test_short_non_ascii_terms_ask_the_gram_index_on_postgresql_and_only_them(db, searched):
    postgres = db.engine.dialect.name == "postgresql"
    for term, gram in (("王", True), ("王敏", True), ("c王", True), ("临床试验", False),
                       ("ab", False), ("a", False)):  # fmt: skip
        assert (gram_clause(term) is not None) is (postgres and gram), term


def test_on_postgresql_a_walk_tests_with_strpos_and_an_index_form_stands_beside_it(db, searched):
    """Where an index can find a term's cases, a walk tests each row with strpos (cheaper
    than LIKE); on SQLite, and for a short ASCII term, which no index holds, LIKE."""
    postgres = db.engine.dialect.name == "postgresql"
    for term, indexed in (("王", "yrd_search_grams"), ("c王", "yrd_search_grams"),
                          ("临床试验", "LIKE"), ("wang", "LIKE"), ("ab", None)):  # fmt: skip
        walk = str(search_clauses(term)[0].compile(db.engine))
        form = indexed_search_clause(term)
        if postgres and indexed:
            assert "strpos" in walk and indexed in str(form.compile(db.engine)), term
        else:
            assert "LIKE" in walk and form is None, term


def test_the_gram_function_lists_every_non_ascii_character_and_pair(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the gram index is PostgreSQL's (migration 0030)")
    for sample in ("sh-2026-000001 王敏会议论文 王敏", "a王b", "ab cd", "王", "", "50%王_敏"):
        grams = db.session.scalar(text("SELECT yrd_search_grams(:t)"), {"t": sample})
        expected = {
            sample[i : i + n]
            for n in (1, 2)
            for i in range(len(sample) - n + 1)
            if not sample[i : i + n].isascii()
        }
        assert set(grams) == expected, sample


def _bitmap_plan(db, clause) -> str:
    """PostgreSQL's plan for the cases matching `clause`, left the bitmap scans only (the
    index a rare term's matches are read from)."""
    compiled = select(Case.id).where(clause).compile(db.engine)
    connection = db.session.connection()
    for scan in ("seqscan", "indexscan", "indexonlyscan"):
        connection.exec_driver_sql(f"SET LOCAL enable_{scan} = off")
    return "\n".join(
        connection.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params).scalars().all()
    )


def test_the_gram_index_is_what_the_planner_reads_for_a_one_character_search(db, searched):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the gram index is PostgreSQL's (migration 0030)")
    assert "ix_cases_agency_search_grams" in _bitmap_plan(db, gram_clause("王"))


def test_pg_trgm_is_what_the_planner_reads_for_a_longer_terms_index_form(db, searched):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("pg_trgm's index is PostgreSQL's (migration 0027)")
    assert "ix_cases_search_trgm" in _bitmap_plan(db, indexed_search_clause("临床试验"))
