"""GET /api/v1/statistics: the page's figures as JSON, with the same small-count rule."""

from __future__ import annotations

import datetime as dt

import pytest

from app.cases.models import CaseSource

URL = "/api/v1/statistics"


@pytest.fixture
def cases(make_case):
    for day in range(4):
        make_case("SH", source=CaseSource.letter, received_date=dt.date(2026, 1, 5 + day))
    make_case("SH", source=CaseSource.phone, received_date=dt.date(2026, 2, 3))
    make_case("JS", source=CaseSource.online, received_date=dt.date(2026, 2, 9))


def _figure(body, key):
    return next(f for f in body["figures"] if f["key"] == key)


def _row(figure, key):
    return next(r for r in figure["rows"] if r["key"] == key)


def test_agency_figures_are_the_agencys_own(api, make_user, cases):
    body = api(make_user("SH", roles=("auditor",))).get(f"{URL}?year=2026").get_json()
    source = _figure(body, "source")
    assert [c["key"] for c in source["columns"]] == ["SH"]
    assert _row(source, "letter")["values"] == {"SH": 4}
    assert _row(source, "online")["values"] == {"SH": 0}
    assert body["suppressed"] is False
    assert body["period"] == {"start": "2026-01-01", "end": "2026-12-31", "label": "2026"}


def test_region_figures_withhold_small_counts(api, make_user, cases):
    body = api(make_user("ZJ", roles=("supervisor",))).get(f"{URL}?scope=region&year=2026")
    body = body.get_json()
    source = _figure(body, "source")
    phone, online = _row(source, "phone"), _row(source, "online")
    assert phone["values"]["SH"] is None and phone["marks"]["SH"] == "small"
    assert online["values"]["JS"] is None and online["marks"]["JS"] == "small"
    assert online["total"] is None  # a region total of 1 is itself a small count
    letter = _row(source, "letter")
    # SH's 4 letters would give its one phone call away against SH's total of 5.
    assert letter["values"]["SH"] is None and letter["marks"]["SH"] == "withheld"
    assert 1 not in [v for r in source["rows"] for v in r["values"].values()]


@pytest.mark.parametrize(
    "roles, query, status",
    [
        (("officer",), "", 403),
        (("committee_member",), "", 403),
        (("sysadmin",), "", 403),
        (("auditor",), "?scope=region", 403),
        (("auditor",), "?scope=institution&institution=南京大学", 403),
        (("supervisor",), "?year=1999", 422),
        (("supervisor",), "?quarter=5", 422),
        (("supervisor",), "?from=2026-05-01&to=2026-01-01", 422),
        (("supervisor",), "?scope=nation", 422),
        (("supervisor",), "?colour=red", 422),
    ],
)
def test_refusals(api, make_user, roles, query, status):
    response = api(make_user("SH", roles=roles)).get(URL + query)
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/problem+json"


def test_anonymous_is_401(api):
    assert api(None).get(URL).status_code == 401


def test_institution_profile_for_an_agency_that_holds_a_case(api, make_user, cases):
    body = api(make_user("SH", roles=("auditor",))).get(
        f"{URL}?scope=institution&institution=复旦大学"
    )
    assert body.status_code == 200
    figure = _figure(body.get_json(), "inst_cases")
    row = _row(figure, "2026")
    # JS's one case is "<3". SH's viewer knows SH's 5, so the total of 6 is withheld: it
    # would give the 1 away.
    assert row["marks"] == {"JS": "small"} and row["values"]["SH"] == 5
    assert row["total"] is None and row["total_mark"] == "withheld"


def test_the_operation_is_in_the_openapi_document(api):
    document = api(None).get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/statistics"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"scope", "year", "quarter", "from", "to", "institution"} <= names
    assert "StatisticsResult" in document["components"]["schemas"]
