"""The API takes findings and defences per respondent and reads them back: a case with two
respondents, one found at fault and one cleared."""

from __future__ import annotations

import pytest

from app.cases.models import CaseState as S
from app.core.calendar import today
from tests.respondents_support import lead as _lead
from tests.respondents_support import two_authors_case


@pytest.fixture
def two_authors(make_case):
    return lambda state: two_authors_case(make_case, state)


def test_the_api_reads_and_takes_findings_per_respondent(two_authors, api):
    case = two_authors(S.investigating)
    wang, chen = case.respondents
    client = api(_lead(case))
    body = {
        "to": "findings",
        "version": case.version,
        "report": "报告",
        "findings": [{"allegation_id": case.allegations[0].id, "outcome": "no_misconduct"}],
    }
    response = client.post(f"/api/v1/cases/{case.reference}/transitions", json=body)
    assert response.status_code == 422
    body["findings"] = [
        {"allegation_id": case.allegations[0].id, "party_id": p.id, "outcome": outcome,
         "severity": "minor" if outcome == "misconduct" else None}
        for p, outcome in ((wang, "misconduct"), (chen, "no_misconduct"))
    ]  # fmt: skip
    response = client.post(f"/api/v1/cases/{case.reference}/transitions", json=body)
    assert response.status_code == 200, response.get_json()
    found = {(f["party_id"], f["outcome"]) for f in response.get_json()["findings"]}
    assert found == {(wang.id, "misconduct"), (chen.id, "no_misconduct")}


def test_the_api_records_each_respondents_defence(two_authors, api):
    case = two_authors(S.pre_decision_notice)
    wang, chen = case.respondents
    client = api(_lead(case))
    url = f"/api/v1/cases/{case.reference}/defence"
    body = {"received_on": today().isoformat(), "statement": "申辩"}
    assert client.post(url, json=body).status_code == 422  # whose?
    response = client.post(url, json=dict(body, party_id=chen.id))
    assert response.status_code == 200, response.get_json()
    notices = {n["party_id"]: n["defence_statement"] for n in response.get_json()["notices"]}
    assert notices == {wang.id: None, chen.id: "申辩"}
