"""API v1 for integrity reports and verification: success, refusals, access and the
responses against the OpenAPI document."""

from __future__ import annotations

import base64

import pytest

from app.api.spec import build_document
from tests.api.test_openapi import assert_conforms

NOBODY = "31010119900101999X"
BODY = {"name": "王芳", "id_type": "resident_id", "id_number": NOBODY}


@pytest.fixture
def document(app):
    with app.test_request_context():
        return build_document()


def test_issue_read_and_verify_over_the_api(api, make_user, document):
    client = api(make_user("SH", roles=("officer",)))
    issued = client.post("/api/v1/integrity-reports", json=BODY)
    assert issued.status_code == 201, issued.get_json()
    assert_conforms(document, "POST", "/api/v1/integrity-reports", issued)
    report = issued.get_json()
    assert report["records_in_force"] == 0 and report["subject_id_masked"] != NOBODY
    pdf = base64.b64decode(report["pdf_base64"])
    read = client.get(f"/api/v1/integrity-reports/{report['code']}")
    assert read.status_code == 200 and read.get_json()["sha256"] == report["sha256"]

    checker = api(make_user("JS", roles=("auditor",)))
    url = "/api/v1/signed-documents/verify"
    by_file = checker.post(url, json={"pdf_base64": report["pdf_base64"]})
    assert_conforms(document, "POST", url, by_file)
    body = by_file.get_json()
    assert body["valid"] and body["status"] == "valid" and body["code"] == report["code"]
    assert body["kind"] == "integrity_report" and body["record_set_changed"] is False
    raw = checker.post(url, data=pdf, headers={"Content-Type": "application/pdf"})
    assert raw.get_json()["valid"]
    by_code = checker.post(url, json={"code": report["code"]}).get_json()
    assert by_code["valid"] and by_code["status"] == "registered"

    at = pdf.index(b"stream") + 30
    tampered = pdf[:at] + bytes([pdf[at] ^ 1]) + pdf[at + 1 :]
    refused = checker.post(url, json={"pdf_base64": base64.b64encode(tampered).decode()})
    assert refused.status_code == 200
    assert refused.get_json()["valid"] is False and refused.get_json()["status"] == "altered"
    assert checker.post(url, json={"code": "IR-NONE"}).get_json()["status"] == "unknown_code"
    for bad in ({}, {"pdf_base64": "***"}):
        response = checker.post(url, json=bad)
        assert response.status_code == 422 and response.mimetype == "application/problem+json"


@pytest.mark.parametrize("who", ["anonymous", "wrong_role", "other_agency", "right_role"])
def test_report_api_access(api, make_user, who):
    client = api(make_user("SH", roles=("officer",)))
    code = client.post("/api/v1/integrity-reports", json=BODY).get_json()["code"]
    user = {
        "anonymous": lambda: None,
        "wrong_role": lambda: make_user("SH", roles=("auditor",)),
        "other_agency": lambda: make_user("ZJ", roles=("supervisor",)),
        "right_role": lambda: make_user("SH", roles=("supervisor",)),
    }[who]()
    caller = api(user)
    issued = caller.post("/api/v1/integrity-reports", json=BODY)
    read = caller.get(f"/api/v1/integrity-reports/{code}")
    verify = caller.post("/api/v1/signed-documents/verify", json={"code": code})
    expected = {
        "anonymous": (401, 401, 401),
        "wrong_role": (403, 403, 200),
        "other_agency": (201, 404, 200),
        "right_role": (201, 200, 200),
    }[who]
    assert (issued.status_code, read.status_code, verify.status_code) == expected
