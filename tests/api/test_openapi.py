"""The OpenAPI document is valid, covers every API route, and what the endpoints really
return validates against what it declares."""

from __future__ import annotations

import re

import jsonschema
import pytest
from openapi_spec_validator import validate

from app.cases.models import CaseState
from tests.api.conftest import new_case_body

BASE = "/api/v1"


@pytest.fixture
def document(api):
    response = api(None).get(f"{BASE}/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def _operation(document, method: str, url: str) -> dict:
    path = url.split("?")[0].removeprefix(BASE)
    for template, item in document["paths"].items():
        pattern = "^" + re.sub(r"\{\w+\}", "[^/]+", template) + "$"
        if re.match(pattern, path) and method.lower() in item:
            return item[method.lower()]
    raise AssertionError(f"{method} {path} is not in the OpenAPI document")


def assert_conforms(document, method: str, url: str, response) -> None:
    op = _operation(document, method, url)
    declared = op["responses"].get(str(response.status_code))
    assert declared, f"{method} {url} answered {response.status_code}, which is not declared"
    content = declared["content"][response.mimetype]
    schema = {**content["schema"], "components": document["components"]}
    jsonschema.Draft202012Validator(schema).validate(response.get_json())


def test_the_document_is_valid_openapi_31(document):
    validate(document)
    assert document["openapi"].startswith("3.1")


def test_every_api_route_is_documented(app, document):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(BASE):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix(BASE))
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in document["paths"][path], f"{method} {path}"


def test_request_models_are_the_ones_enforced(document):
    create = document["paths"]["/cases"]["post"]["requestBody"]["content"]["application/json"]
    ref = create["schema"]["$ref"].split("/")[-1]
    schema = document["components"]["schemas"][ref]
    assert {"title", "source", "received_date", "respondents", "allegations"} <= set(
        schema["required"]
    )
    assert schema["additionalProperties"] is False
    params = {p["name"] for p in document["paths"]["/cases"]["get"]["parameters"]}
    assert {"state", "type", "agency", "from", "to", "q", "sort", "dir", "page", "per_page"} <= (
        params
    )


def test_real_responses_validate_against_their_declared_schemas(
    api, document, make_case, make_user
):
    case = make_case("SH", state=CaseState.decided)
    officer = make_user("SH", roles=("officer", "supervisor"))
    client = api(officer)
    calls = [
        ("GET", f"{BASE}/cases", None),
        ("GET", f"{BASE}/cases?state=decided&sort=due&dir=asc&per_page=5", None),
        ("GET", f"{BASE}/cases/{case.reference}", None),
        ("POST", f"{BASE}/cases", new_case_body()),
        ("POST", f"{BASE}/cases", {"title": ""}),
        ("POST", f"{BASE}/cases/{case.reference}/transitions", {"to": "closed", "version": 1}),
        ("POST", f"{BASE}/cases/{case.reference}/transitions", {"to": "received", "version": 1}),
        ("GET", f"{BASE}/cases/XX-0000-000000", None),
        ("GET", f"{BASE}/cases?page=0", None),
        ("POST", f"{BASE}/cases/{case.reference}/conflict-declarations", {"kinds": []}),
        (
            "POST",
            f"{BASE}/cases/{case.reference}/team",
            {"user": officer.username, "team_role": "investigator"},
        ),
    ]
    statuses = set()
    for method, url, body in calls:
        response = client.get(url) if method == "GET" else client.post(url, json=body)
        statuses.add(response.status_code)
        assert_conforms(document, method, url, response)
    unauthenticated = api(None).get(f"{BASE}/cases")
    assert_conforms(document, "GET", f"{BASE}/cases", unauthenticated)
    assert {200, 201, 404, 409, 422} <= statuses


def test_timestamps_carry_their_offset(api, make_case, make_user):
    case = make_case("SH")
    body = api(make_user("SH")).get(f"{BASE}/cases/{case.reference}").get_json()
    stamps = [body["created_at"], body["updated_at"]] + [h["at"] for h in body["history"]]
    for stamp in stamps:
        assert re.search(r"([+-]\d\d:\d\d|Z)$", stamp), stamp
