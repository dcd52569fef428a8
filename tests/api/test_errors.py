"""Every class of bad request gets a problem+json answer with a stable code and changes
nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from app.auth.models import ApiToken
from app.cases.models import CaseState
from tests.api.conftest import new_case_body

BASE = "/api/v1/cases"


def _problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["code"] == code
    assert body["status"] == status
    return body


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer not-a-token", "Bearer yrd_unknown0123456789", "Basic dXNlcjpwdw=="],
)
def test_missing_malformed_or_unknown_token_is_401(api, make_user, header, snapshot):
    before = snapshot()
    headers = {"Authorization": header} if header else {}
    client = api(None)
    _problem(client.get(BASE, headers=headers), 401, "unauthorized")
    _problem(client.post(BASE, headers=headers, json=new_case_body()), 401, "unauthorized")
    assert snapshot() == before


def test_a_revoked_token_stops_working(api, make_user, db):
    officer = make_user("SH")
    client = api(officer)
    assert client.get(BASE).status_code == 200
    for token in db.session.query(ApiToken).filter_by(user_id=officer.id):
        token.revoked_at = dt.datetime.now(dt.UTC)
    _problem(client.get(BASE), 401, "unauthorized")


def test_a_deactivated_users_token_stops_working(api, make_user):
    officer = make_user("SH")
    client = api(officer)
    officer.active = False
    _problem(client.get(BASE), 401, "unauthorized")


def test_a_browser_session_does_not_authenticate_the_api(make_user, login, client):
    login(make_user("SH"))
    _problem(client.get(BASE), 401, "unauthorized")


@pytest.mark.parametrize(
    "change, field",
    [
        ({"title": ""}, "title"),
        ({"title": "长" * 301}, "title"),
        ({"title": 42}, "title"),
        ({"source": "pigeon"}, "source"),
        ({"received_date": "2.3.2026"}, "received_date"),
        ({"received_date": 0}, "received_date"),
        ({"received_date": "2026-02-30"}, "received_date"),
        ({"complainant": {"anonymous": "yes"}}, "complainant.anonymous"),
        ({"respondents": []}, "respondents"),
        ({"respondents": [{"name": "张三", "party_type": "robot"}]}, "respondents.0.party_type"),
        ({"allegations": [{"misconduct_type": "nonsense", "description": "x"}]}, None),
        ({"allegations": "plagiarism"}, "allegations"),
        ({"summary": "x" * 50001}, "summary"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_registration_is_422_with_field_errors(api, make_user, snapshot, change, field):
    client = api(make_user("SH"))
    before = snapshot()
    body = _problem(client.post(BASE, json=new_case_body(**change)), 422, "invalid_input")
    fields = [e["field"] for e in body["errors"]]
    assert fields
    if field:
        assert field in fields
    assert snapshot() == before


def test_missing_required_fields_are_each_named(api, make_user, snapshot):
    client = api(make_user("SH"))
    before = snapshot()
    body = _problem(client.post(BASE, json={}), 422, "invalid_input")
    assert {"title", "source", "received_date", "respondents", "allegations"} <= {
        e["field"] for e in body["errors"]
    }
    assert snapshot() == before


def test_a_future_received_date_is_refused_by_the_service(api, make_user, snapshot):
    client = api(make_user("SH"))
    before = snapshot()
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    response = client.post(BASE, json=new_case_body(received_date=future))
    body = _problem(response, 422, "invalid_input")
    assert body["field"] == "received_date"
    assert snapshot() == before


def test_wrong_content_type_is_415_and_invalid_json_is_400(api, make_user, snapshot):
    client = api(make_user("SH"))
    before = snapshot()
    _problem(client.post(BASE, data="title=x"), 415, "unsupported_media_type")
    _problem(
        client.post(BASE, data="{not json", content_type="application/json"), 400, "invalid_json"
    )
    _problem(client.post(BASE, data="[1, 2]", content_type="application/json"), 400, "invalid_json")
    _problem(
        client.post(BASE, data=b"\xff\xfe", content_type="application/json"), 400, "invalid_json"
    )
    assert snapshot() == before


def test_an_oversized_body_is_413(api, make_user, snapshot):
    client = api(make_user("SH"))
    before = snapshot()
    big = new_case_body(summary="x" * (1024 * 1024 + 10))
    _problem(client.post(BASE, json=big), 413, "payload_too_large")
    assert snapshot() == before


@pytest.mark.parametrize(
    "query",
    [
        "state=lost",
        "type=nonsense",
        "from=yesterday",
        "to=0",
        "page=0",
        "per_page=101",
        "sort=colour",
    ],
)
def test_invalid_list_parameters_are_422(api, make_user, query):
    body = _problem(api(make_user("SH")).get(f"{BASE}?{query}"), 422, "invalid_input")
    assert body["errors"][0]["field"] == query.split("=")[0]


def _transition(client, case, **body):
    body.setdefault("version", case.version)
    return client.post(f"{BASE}/{case.reference}/transitions", json=body)


def test_illegal_transition_is_409(api, make_case, make_user, snapshot):
    case = make_case("SH", state=CaseState.received)
    client = api(make_user("SH", roles=("supervisor",)))
    before = snapshot(case)
    _problem(_transition(client, case, to="decided"), 409, "illegal_transition")
    assert snapshot(case) == before


def test_wrong_role_is_403(api, make_case, make_user, snapshot):
    case = make_case("SH", state=CaseState.preliminary_review)
    client = api(make_user("SH", roles=("officer",)))
    before = snapshot(case)
    body = _problem(
        _transition(client, case, to="not_accepted", reason="不属于受理范围"), 403, "not_allowed"
    )
    assert body["detail"]
    assert snapshot(case) == before


def test_stale_version_is_409(api, make_case, make_user, snapshot):
    case = make_case("SH", state=CaseState.received)
    client = api(make_user("SH", roles=("supervisor",)))
    before = snapshot(case)
    stale = _transition(client, case, to="preliminary_review", version=case.version - 1)
    _problem(stale, 409, "stale_version")
    assert snapshot(case) == before


def test_a_failed_guard_is_409(api, make_case, make_user, snapshot):
    case = make_case("SH", state=CaseState.preliminary_review)
    client = api(make_user("SH", roles=("supervisor",)))
    before = snapshot(case)
    body = _problem(
        _transition(client, case, to="investigating", reason="立案"), 409, "guard_failed"
    )
    assert "team" in body["detail"] or "调查" in body["detail"]
    assert snapshot(case) == before


@pytest.mark.parametrize(
    "body, field",
    [
        ({"to": "investigating"}, "reason"),  # reason required
        ({"to": "nowhere", "reason": "x"}, "to"),
        ({"to": "investigating", "reason": "x", "version": "seven"}, "version"),
        ({"to": "investigating", "reason": "x", "version": "7"}, "version"),
        ({"to": "investigating", "reason": "x", "served_on": "2026-01-01"}, "served_on"),
        ({"to": "investigating", "reason": "x" * 5001}, "reason"),
    ],
)
def test_invalid_transition_bodies_are_422(api, make_case, make_user, snapshot, body, field):
    case = make_case("SH", state=CaseState.suspended)
    client = api(make_user("SH", roles=("supervisor",)))
    before = snapshot(case)
    problem = _problem(_transition(client, case, **body), 422, "invalid_input")
    fields = [problem.get("field")] + [e["field"] for e in problem.get("errors") or []]
    assert field in fields
    assert snapshot(case) == before


def test_findings_for_another_cases_allegation_are_refused(api, make_case, make_user, snapshot):
    case = make_case("SH", state=CaseState.investigating)
    other = make_case("SH")
    client = api(case.lead.user)
    before = snapshot(case)
    findings = [{"allegation_id": other.allegations[0].id, "outcome": "no_misconduct"}]
    body = _problem(
        _transition(client, case, to="findings", report="报告", findings=findings),
        422,
        "invalid_input",
    )
    assert body["field"] == "findings"
    findings = [{"allegation_id": case.allegations[0].id, "outcome": "guilty"}]
    _problem(
        _transition(client, case, to="findings", report="报告", findings=findings),
        422,
        "invalid_input",
    )
    assert snapshot(case) == before


def test_assigning_an_unknown_or_foreign_user_is_422(api, make_case, make_user, snapshot):
    case = make_case("SH", state=CaseState.preliminary_review)
    client = api(make_user("SH", roles=("supervisor",)))
    before = snapshot(case)
    for username in ("nobody-here", make_user("JS").username):
        response = client.post(
            f"{BASE}/{case.reference}/team", json={"user": username, "team_role": "lead"}
        )
        assert _problem(response, 422, "invalid_input")["field"] == "user"
    response = client.post(f"{BASE}/{case.reference}/team", json={"user": "x", "team_role": "boss"})
    _problem(response, 422, "invalid_input")
    assert snapshot(case) == before


def test_unknown_api_path_and_method_are_problems(api, make_user):
    client = api(make_user("SH"))
    _problem(client.get(f"{BASE}/SH-2026-999999"), 404, "not_found")
    response = client.client.delete(BASE, headers={"Authorization": f"Bearer {client.token}"})
    _problem(response, 405, "method_not_allowed")
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


@pytest.mark.parametrize("depth", [33, 5_000, 100_000])
def test_a_body_nested_too_deeply_is_a_400_and_changes_nothing(api, make_user, snapshot, depth):
    client = api(make_user("SH"))
    before = snapshot()
    body = '{"title": ' + "[" * depth + "]" * depth + "}"
    response = client.post(BASE, data=body, content_type="application/json")
    problem = _problem(response, 400, "invalid_json")
    assert "32" in problem["detail"]
    assert snapshot() == before


def test_a_body_nested_as_deep_as_allowed_reaches_validation(api, make_user, snapshot):
    client = api(make_user("SH"))
    body = '{"title": ' + "[" * 31 + "]" * 31 + "}"
    _problem(client.post(BASE, data=body, content_type="application/json"), 422, "invalid_input")


def test_a_page_beyond_the_integer_range_is_an_invalid_field(api, make_user):
    response = api(make_user("SH")).get(f"{BASE}?page=99999999999999999999999")
    _problem(response, 422, "invalid_input")
