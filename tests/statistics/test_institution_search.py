"""The institution profile is found by a part of its name: a page of matching institutions
to choose from, among those the user's agency holds a case or record about (so the list
names no institution the agency does not know from its own cases); anything else is the
search page again saying no institution matches, never a bare 404."""

from __future__ import annotations

import re

from app.cases.models import PartyType
from app.cases.services import RespondentInput
from tests.ui_helpers import sign_in

URL = "/statistics/institution"


def _matches(page: str) -> list[str]:
    return re.findall(r'data-testid="institution-match">([^<]+)<', page)


def _respondent(institution: str) -> RespondentInput:
    return RespondentInput(name=institution, party_type=PartyType.institution)


def test_a_part_of_the_name_lists_the_institutions_to_choose_from(make_case, make_user, client):
    make_case("SH")  # 复旦大学
    make_case("SH", respondents=[_respondent("复旦大学附属中山医院")])
    make_case("JS", respondents=[_respondent("复旦管理学院")])  # JS's only
    sign_in(client, make_user("SH", roles=("supervisor",)))
    response = client.get(URL, query_string={"name": "复旦"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert _matches(page) == ["复旦大学", "复旦大学附属中山医院"]
    assert 'name="name"' in page and 'value="复旦"' in page
    link = re.search(r'href="([^"]+)" data-testid="institution-match">复旦大学<', page).group(1)
    profile = client.get(link.replace("&amp;", "&"))
    assert profile.status_code == 200 and 'data-testid="figure-' in profile.get_data(as_text=True)


def test_an_unknown_name_says_so_on_the_search_page(make_case, make_user, client):
    make_case("SH")
    sign_in(client, make_user("SH", roles=("auditor",)))
    for text in ("清华", "%", "_"):
        response = client.get(URL, query_string={"name": text})
        page = response.get_data(as_text=True)
        assert response.status_code == 404, text
        assert 'data-testid="no-institution"' in page and 'name="name"' in page
        assert f"没有与“{text}”相符的单位" in page
        assert _matches(page) == []


def test_another_agencys_institution_is_neither_listed_nor_confirmed(make_case, make_user, client):
    make_case("SH")  # 复旦大学, held by SH only
    sign_in(client, make_user("JS", roles=("supervisor",), locale="en"))
    for text in ("复旦", "复旦大学"):
        response = client.get(URL, query_string={"name": text})
        page = response.get_data(as_text=True)
        assert response.status_code == 404 and _matches(page) == []
        assert f"No institution matches “{text}”." in page and 'name="name"' in page
        assert page.count("复旦大学") == 2 * (text == "复旦大学")  # only as typed, twice


def test_the_list_is_paged(make_case, make_user, client):
    names = [f"测试大学{n:02d}" for n in range(25)]
    make_case("SH", respondents=[_respondent(name) for name in names])
    sign_in(client, make_user("SH", roles=("supervisor",)))
    first = client.get(URL, query_string={"name": "测试大学"}).get_data(as_text=True)
    second = client.get(URL, query_string={"name": "测试大学", "page": 2}).get_data(as_text=True)
    assert _matches(first) == names[:20] and _matches(second) == names[20:]
    assert "25 个单位与“测试大学”相符" in first


def test_roles_without_statistics_are_refused(make_user, client):
    sign_in(client, make_user("SH", roles=("officer",)))
    assert client.get(URL, query_string={"name": "复旦"}).status_code == 403
