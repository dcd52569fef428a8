"""The case list says what is wrong with its filters instead of ignoring them silently, and a
page past the end shows the last page."""

from __future__ import annotations

import re

from tests.ui_helpers import sign_in


def _total(html: str) -> str:
    return re.search(r'data-testid="total">([^<]*)<', html).group(1)


def test_a_date_that_is_no_date_is_named_and_left_out(client, make_case, make_user):
    case = make_case()
    sign_in(client, make_user("SH", roles=("officer",), locale="en"))
    html = client.get("/cases?from=abc").get_data(as_text=True)
    assert "“abc” is not a date (YYYY-MM-DD): it was left out." in html
    assert 'id="from" name="from" value="" aria-invalid="true"' in html
    assert case.reference in html and _total(html) == "1 case"


def test_a_range_that_ends_before_it_starts_says_so(client, make_case, make_user):
    make_case()
    sign_in(client, make_user("SH", roles=("officer",)))
    html = client.get("/cases?from=2026-06-01&to=2026-01-01").get_data(as_text=True)
    assert "截止日期早于起始日期，不会有案件符合条件。" in html
    assert 'data-testid="empty"' in html and _total(html) == "共 0 件"


def test_a_page_past_the_end_says_so_and_links_the_last_page(client, make_case, make_user):
    first, second = make_case(), make_case()
    sign_in(client, make_user("SH", roles=("officer",), locale="en"))
    html = client.get("/cases?state=received&page=9999").get_data(as_text=True)
    assert "There is no page 9999: the last is 1." in html
    link = re.search(r'href="([^"]+)" data-testid="last-page"', html).group(1)
    assert "page=1" in link and "state=received" in link  # the filters are kept
    assert _total(html) == "2 cases"
    last = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert first.reference in last and second.reference in last


def test_good_filters_raise_no_warning(client, make_case, make_user):
    make_case()
    sign_in(client, make_user("SH", roles=("officer",)))
    html = client.get("/cases?from=2026-01-01&to=2026-12-31").get_data(as_text=True)
    assert 'data-testid="filter-problems"' not in html
