"""Who may call what: an access matrix for every API route, and cross-agency leak checks."""

from __future__ import annotations

import pytest

from app.cases.models import CaseState
from app.protection.conflicts import declare_conflicts
from tests.api.conftest import new_case_body

BASE = "/api/v1/cases"


def _refs(response) -> set[str]:
    assert response.status_code == 200, response.get_json()
    return {item["reference"] for item in response.get_json()["items"]}


def test_another_agency_never_sees_or_touches_a_case(api, make_case, make_user, snapshot):
    case = make_case("SH", state=CaseState.preliminary_review, title="上海独有标题甲乙丙丁")
    outsider = api(make_user("JS", roles=("officer", "supervisor", "auditor")))
    assert case.reference not in _refs(outsider.get(BASE))
    assert case.reference not in _refs(outsider.get(f"{BASE}?q=独有标题"))
    assert case.reference not in _refs(outsider.get(f"{BASE}?q={case.reference}"))
    assert case.reference not in _refs(outsider.get(f"{BASE}?agency=SH&per_page=100"))
    assert outsider.get(f"{BASE}?q=独有标题").get_json()["total"] == 0
    before = snapshot(case)
    for response in (
        outsider.get(f"{BASE}/{case.reference}"),
        outsider.post(
            f"{BASE}/{case.reference}/transitions",
            json={"to": "not_accepted", "reason": "x", "version": case.version},
        ),
        outsider.post(
            f"{BASE}/{case.reference}/team",
            json={"user": "sh-officer-1", "team_role": "lead"},
        ),
        outsider.post(
            f"{BASE}/{case.reference}/defence",
            json={"received_on": "2026-03-03", "statement": "x"},
        ),
    ):
        assert response.status_code == 404
        assert response.get_json()["code"] == "not_found"
        assert "独有标题" not in response.get_data(as_text=True)
    assert snapshot(case) == before


def test_a_404_for_a_foreign_case_looks_like_one_that_does_not_exist(api, make_case, make_user):
    case = make_case("SH")
    outsider = api(make_user("JS"))
    foreign = outsider.get(f"{BASE}/{case.reference}").get_json()
    missing = outsider.get(f"{BASE}/SH-2026-987654").get_json()
    assert foreign == missing


# route -> (method, path template, body builder, wrong role, right role, expected success)
ROUTES = {
    "list": ("GET", BASE, None, ("committee_member",), ("auditor",), 200),
    "register": ("POST", BASE, lambda c: new_case_body(), ("auditor",), ("officer",), 201),
    "detail": ("GET", f"{BASE}/{{ref}}", None, ("committee_member",), ("auditor",), 200),
    "transition": (
        "POST",
        f"{BASE}/{{ref}}/transitions",
        lambda c: {"to": "preliminary_review", "version": c.version},
        ("auditor",),
        ("supervisor",),
        200,
    ),
    "team": (
        "POST",
        f"{BASE}/{{ref}}/team",
        lambda c: {"user": c.created_by.username, "team_role": "lead"},
        ("officer",),
        ("supervisor",),
        200,
    ),
    "declare": (
        "POST",
        f"{BASE}/{{ref}}/conflict-declarations",
        lambda c: {"kinds": []},
        ("auditor",),
        ("officer",),
        201,
    ),
    "defence": (
        "POST",
        f"{BASE}/{{ref}}/defence",
        lambda c: {"received_on": "2026-03-03", "statement": "放弃陈述申辩"},
        ("auditor",),
        ("supervisor",),
        409,  # no notice runs on a received case: allowed in, refused by the procedure
    ),
}


@pytest.mark.parametrize("route", sorted(ROUTES))
@pytest.mark.parametrize("who", ["anonymous", "other_agency", "wrong_role", "right_role"])
def test_access_matrix(api, make_case, make_user, snapshot, route, who):
    method, template, body, wrong, right, success = ROUTES[route]
    case = make_case("SH", state=CaseState.received)
    user = {
        "anonymous": lambda: None,
        "other_agency": lambda: make_user("JS", roles=right),
        "wrong_role": lambda: make_user("SH", roles=wrong),
        "right_role": lambda: make_user("SH", roles=right),
    }[who]()
    client = api(user)
    if route == "team":
        declare_conflicts(case, case.created_by, [])  # the colleague declared no conflict
    url = template.format(ref=case.reference)
    kwargs = {"json": body(case)} if body else {}
    before = snapshot(case)
    response = client.get(url) if method == "GET" else client.post(url, **kwargs)
    status = response.status_code
    if who == "anonymous":
        assert status == 401
    elif who == "right_role":
        assert status == success, response.get_json()
        if method == "GET":
            assert case.reference in response.get_data(as_text=True)
    elif method == "GET" and route == "list":
        assert status == 200
        assert case.reference not in response.get_data(as_text=True)
    elif who == "other_agency" and route == "register":
        assert status == 201
        assert response.get_json()["reference"].startswith("JS-")
    elif who == "other_agency" or route == "detail":
        assert status == 404  # invisible: a committee member off the panel sees nothing
    else:
        assert status == 403
        assert response.get_json()["code"] == "not_allowed"
    if status >= 400:
        assert response.mimetype == "application/problem+json"
        assert snapshot(case) == before


def test_the_openapi_document_is_public(api):
    response = api(None).get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.get_json()["openapi"] == "3.1.0"
