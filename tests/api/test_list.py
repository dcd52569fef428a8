"""The API case list filters, sorts and pages like the HTML list."""

from __future__ import annotations

import datetime as dt

from app.cases.models import CaseState

BASE = "/api/v1/cases"


def _refs(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [item["reference"] for item in response.get_json()["items"]]


def test_filters_sort_and_pages(api, make_case, make_user):
    officer = make_user("ZJ", roles=("officer",))
    older = make_case("ZJ", title="浙江甲案", received_date=dt.date(2026, 1, 5))
    middle = make_case("ZJ", state=CaseState.preliminary_review, received_date=dt.date(2026, 2, 5))
    newer = make_case("ZJ", title="浙江丙案", received_date=dt.date(2026, 3, 5))
    client = api(officer)

    assert _refs(client.get(BASE)) == [newer.reference, middle.reference, older.reference]
    assert _refs(client.get(f"{BASE}?sort=received&dir=asc"))[0] == older.reference
    assert _refs(client.get(f"{BASE}?state=preliminary_review")) == [middle.reference]
    assert _refs(client.get(f"{BASE}?q=丙案")) == [newer.reference]
    assert _refs(client.get(f"{BASE}?q=张伟&from=2026-02-01&to=2026-02-28")) == [middle.reference]
    assert _refs(client.get(f"{BASE}?type=plagiarism&agency=zj")) == _refs(client.get(BASE))
    assert _refs(client.get(f"{BASE}?type=ethics_approval_fraud")) == []

    pages = [client.get(f"{BASE}?per_page=1&page={n}").get_json() for n in (1, 2, 3, 4)]
    assert [p["total"] for p in pages] == [3, 3, 3, 3]
    assert [p["pages"] for p in pages] == [3, 3, 3, 3]
    assert [[i["reference"] for i in p["items"]] for p in pages] == [
        [newer.reference],
        [middle.reference],
        [older.reference],
        [],
    ]
    item = pages[0]["items"][0]
    assert item["agency"] == "ZJ"
    assert item["state"] == "received"
    assert item["version"] == newer.version


def test_pages_walked_by_their_keys_are_the_pages_by_number(api, make_case, make_user):
    officer = make_user("ZJ", roles=("officer",))
    for n in range(5):
        make_case("ZJ", by=officer, title=f"王{n}案", received_date=dt.date(2026, 1, 1 + n // 2))
    client = api(officer)
    by_number = [_refs(client.get(f"{BASE}?q=王&per_page=2&page={n}")) for n in (1, 2, 3)]
    page = client.get(f"{BASE}?q=王&per_page=2").get_json()
    assert page["prev_before"] is None
    walked = [[i["reference"] for i in page["items"]]]
    for number in (2, 3):
        page = client.get(f"{BASE}?q=王&per_page=2&page={number}&after={page['next_after']}")
        page = page.get_json()
        walked.append([i["reference"] for i in page["items"]])
    assert walked == by_number and page["next_after"] is None
    back = client.get(f"{BASE}?q=王&per_page=2&page=2&before={page['prev_before']}")
    assert _refs(back) == by_number[1]
    by_title = client.get(f"{BASE}?per_page=2&sort=title").get_json()
    assert by_title["next_after"] is None  # page numbers only, in any other order
    mangled = client.get(f"{BASE}?after=2026-01-01")
    assert mangled.status_code == 422
