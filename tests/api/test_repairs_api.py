"""API v1: a subject's credit-repair request (信用修复) — filed with its proof and signed
commitment as files, read, decided by the deciding agency — with its refusals and who may
call what."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import func, select

from app.cases.models import CaseState, Severity
from app.core.calendar import add_months, today
from app.core.models import AuditEntry
from app.records.models import RecordVersion, RepairRequest, RepairState
from app.records.services import approve_record, draft_record, integrity_check, suggested_draft

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


@pytest.fixture
def record(db, make_case, make_user):
    """A serious record of Shanghai's, published two years ago: past its minimum period."""

    def make(effective: dt.date | None = None):
        case = make_case(agency="SH", state=CaseState.decided)
        data = suggested_draft(case, case.respondents[0])
        data.severity = Severity.severe
        data.effective_date = effective or add_months(today(), -24)
        drafted = draft_record(case, case.created_by, data)
        approve_record(drafted, make_user("SH", roles=("agency_admin",)))
        db.session.commit()
        return drafted

    return make


def _form(statement="已退回经费并公开致歉", proof=PDF, commitment=PDF + b"%signed\n"):
    form = {"statement": statement}
    if proof is not None:
        form["proof"] = (io.BytesIO(proof), "整改证明.pdf")
    if commitment is not None:
        form["commitment"] = (io.BytesIO(commitment), "信用承诺书.pdf")
    return form


def _file(client, record, **kwargs):
    return client.post(
        f"/api/v1/records/{record.record_uid}/repairs",
        data=_form(**kwargs),
        content_type="multipart/form-data",
    )


def _counts(db, record):
    db.session.expire_all()
    return (
        db.session.scalar(select(func.count()).select_from(RepairRequest)),
        db.session.scalar(
            select(func.count())
            .select_from(RecordVersion)
            .where(RecordVersion.record_id == record.id)
        ),
        db.session.scalar(select(func.count()).select_from(AuditEntry)),
    )


def test_a_repair_is_filed_read_and_approved_through_the_api(api, db, record, make_user):
    record = record()
    officer = make_user("SH")
    filed = _file(api(officer), record)
    assert filed.status_code == 201, filed.get_json()
    body = filed.get_json()
    assert body["state"] == "pending" and body["checkable"] is True
    assert body["record_id"] == record.record_uid and body["decide_due"] > body["requested_on"]
    stored = db.session.get(RepairRequest, body["id"])
    assert stored.proof_name == "整改证明.pdf" and stored.commitment_name == "信用承诺书.pdf"
    read = api(make_user("SH", roles=("supervisor",))).get(f"/api/v1/repairs/{body['id']}")
    assert read.status_code == 200 and read.get_json() == body
    decided = api(make_user("SH", roles=("supervisor",))).post(
        f"/api/v1/repairs/{body['id']}/decision", json={"approve": True, "reasons": "已整改到位"}
    )
    assert decided.status_code == 200, decided.get_json()
    assert decided.get_json()["state"] == "approved" and decided.get_json()["checkable"] is False
    assert decided.get_json()["record_version"] == 2
    assert integrity_check(officer, "张伟", "resident_id", "31010119800101123X") == []


def test_a_repair_before_the_minimum_period_is_refused_and_nothing_stored(
    api, db, record, make_user
):
    record = record(effective=today() - dt.timedelta(days=30))
    officer = api(make_user("SH"))
    before = _counts(db, record)
    refused = _file(officer, record)
    assert refused.status_code == 409 and refused.get_json()["code"] == "guard_failed"
    assert refused.mimetype == "application/problem+json"
    assert _counts(db, record) == before


@pytest.mark.parametrize(
    "change, status, code",
    [
        ({"statement": ""}, 422, "invalid_input"),
        ({"commitment": None}, 422, "invalid_input"),
        ({"proof": EXE}, 415, "type_not_allowed"),
    ],
)
def test_a_bad_repair_request_is_refused_and_nothing_stored(
    api, db, record, make_user, change, status, code
):
    record = record()
    officer = api(make_user("SH"))
    before = _counts(db, record)
    refused = _file(officer, record, **change)
    assert refused.status_code == status and refused.get_json()["code"] == code
    assert _counts(db, record) == before


def test_a_repair_is_decided_once_by_the_deciding_agency_only(api, db, record, make_user):
    record = record()
    repair_id = _file(api(make_user("SH")), record).get_json()["id"]
    url = f"/api/v1/repairs/{repair_id}/decision"
    decision = {"approve": False, "reasons": "承诺书未签字"}
    js_supervisor, sh_officer = api(make_user("JS", roles=("supervisor",))), api(make_user("SH"))
    before = _counts(db, record)
    elsewhere = js_supervisor.post(url, json=decision)
    assert elsewhere.status_code == 404 and "承诺" not in elsewhere.get_data(as_text=True)
    officer = sh_officer.post(url, json=decision)
    assert officer.status_code == 403 and officer.get_json()["code"] == "not_allowed"
    assert _counts(db, record) == before
    supervisor = api(make_user("SH", roles=("supervisor",)))
    assert supervisor.post(url, json=decision).get_json()["state"] == "refused"
    twice = supervisor.post(url, json={"approve": True, "reasons": "改判"})
    assert twice.status_code == 409 and twice.get_json()["code"] == "guard_failed"
    assert db.session.get(RepairRequest, repair_id).state == RepairState.refused


def test_another_agency_never_reads_a_repair_request(api, db, record, make_user):
    record = record()
    repair_id = _file(api(make_user("SH")), record).get_json()["id"]
    for roles in (("officer", "supervisor"), ("agency_admin",), ("auditor",)):
        outsider = api(make_user("JS", roles=roles)).get(f"/api/v1/repairs/{repair_id}")
        missing = api(make_user("JS", roles=roles)).get("/api/v1/repairs/987654")
        assert outsider.status_code == 404 and outsider.get_json() == missing.get_json()
        assert "信用承诺书" not in outsider.get_data(as_text=True)


# route -> (method, path, wrong role, right role, expected success)
ROUTES = {
    "file": ("POST", "/api/v1/records/{uid}/repairs", ("auditor",), ("officer",), 201),
    "read": ("GET", "/api/v1/repairs/{id}", ("auditor",), ("officer",), 200),
    "decide": ("POST", "/api/v1/repairs/{id}/decision", ("officer",), ("supervisor",), 200),
}


@pytest.mark.parametrize("route", sorted(ROUTES))
@pytest.mark.parametrize("who", ["anonymous", "other_agency", "wrong_role", "right_role"])
def test_repair_access_matrix(api, db, record, make_user, route, who):
    method, template, wrong, right, success = ROUTES[route]
    record = record()
    repair_id = None
    if route != "file":
        repair_id = _file(api(make_user("SH")), record).get_json()["id"]
    user = {
        "anonymous": lambda: None,
        "other_agency": lambda: make_user("JS", roles=right),
        "wrong_role": lambda: make_user("SH", roles=wrong),
        "right_role": lambda: make_user("SH", roles=right),
    }[who]()
    client = api(user)
    url = template.format(uid=record.record_uid, id=repair_id)
    before = _counts(db, record)
    if route == "file":
        response = client.post(url, data=_form(), content_type="multipart/form-data")
    elif method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, json={"approve": False, "reasons": "证明不足"})
    expected = {
        "anonymous": 401,
        "right_role": success,
        # Filing: a published record is seen by every agency, and an officer anywhere in
        # the deployment registers the subject's request for the deciding agency.
        "other_agency": 201 if route == "file" else 404,
        # An auditor reads records but no subject's request, and registers nothing.
        "wrong_role": 404 if route == "read" else 403,
    }[who]
    assert response.status_code == expected, response.get_json()
    if expected >= 400:
        assert response.mimetype == "application/problem+json"
        assert _counts(db, record) == before


def test_the_repair_routes_are_in_the_openapi_document(api):
    spec = api(None).get("/api/v1/openapi.json").get_json()
    create = spec["paths"]["/records/{record_uid}/repairs"]["post"]
    form = create["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert set(form["required"]) == {"statement", "proof", "commitment"}
    assert form["properties"]["proof"]["format"] == "binary"
    assert {"201", "409", "415", "422"} <= set(create["responses"])
    assert "get" in spec["paths"]["/repairs/{repair_id}"]
    assert "post" in spec["paths"]["/repairs/{repair_id}/decision"]
