"""Integrity records inside one deployment: drafting, approval, revocation, expiry,
visibility across agencies, and integrity checks (page and API)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.auth.services import create_token
from app.cases.models import CaseState
from app.core.errors import GuardFailed, NotAllowed
from app.core.models import AuditEntry
from app.demo.scenario import review
from app.records.models import IntegrityRecord, RecordStatus
from app.records.services import (
    approve_record,
    draft_record,
    expire_records,
    revoke_record,
    suggested_draft,
)

ID_NUMBER = "31010119800101123X"


@pytest.fixture
def published(db, make_case, make_user):
    def make(agency: str = "SH", **draft_changes):
        case = make_case(agency=agency, state=CaseState.decided)
        officer = case.created_by
        data = suggested_draft(case, case.respondents[0])
        for key, value in draft_changes.items():
            setattr(data, key, value)
        record = draft_record(case, officer, data)
        admin = make_user(agency, roles=("agency_admin",))
        approve_record(record, admin)
        db.session.commit()
        return record, admin

    return make


def test_officer_drafts_from_the_decision_and_admin_publishes_via_pages(
    make_case, make_user, login, client, db
):
    case = make_case(state=CaseState.decided)
    login(case.created_by)
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "/record" in page  # the case page offers drafting
    form = client.get(f"/cases/{case.reference}/record").get_data(as_text=True)
    assert "张伟" in form and "221号" in form  # prefilled from the decision
    response = client.post(
        f"/cases/{case.reference}/record",
        data={
            "party_id": case.respondents[0].id,
            "conduct": "抄袭",
            "outcome": "通报批评，三年内禁止申报",
            "legal_basis": "国科发监〔2022〕221号 第二十八条",
            "effective_date": "2026-06-01",
            "term_end": "2029-05-31",
            "severity": "serious",
        },
    )
    assert response.status_code == 302
    record = db.session.scalar(select(IntegrityRecord).where(IntegrityRecord.case_id == case.id))
    assert record.status == RecordStatus.draft
    assert record.subject_id_masked == "3101**********123X"

    client.post("/logout")
    js_officer = make_user("JS", roles=("officer",))
    login(js_officer)
    assert client.get(f"/records/{record.id}").status_code == 404  # drafts stay home
    client.post("/logout")

    login(make_user("SH", roles=("agency_admin",)))
    response = client.post(f"/records/{record.id}/approve", follow_redirects=True)
    assert "已发布".encode() in response.data or b"published" in response.data
    assert record.status == RecordStatus.active and record.current_version == 1
    assert "李娜" not in str(record.payload)  # the complainant never leaves
    assert ID_NUMBER not in str(record.payload)
    client.post("/logout")

    login(js_officer)
    listing = client.get("/records").get_data(as_text=True)
    assert "张伟" in listing
    assert client.get(f"/records/{record.id}").status_code == 200


def test_only_an_admin_of_the_deciding_agency_approves(db, make_case, make_user):
    case = make_case(state=CaseState.decided)
    record = draft_record(case, case.created_by, suggested_draft(case, case.respondents[0]))
    for user in (
        make_user("SH", roles=("officer", "supervisor")),
        make_user("JS", roles=("agency_admin",)),
    ):
        with pytest.raises(NotAllowed):
            approve_record(record, user)
    assert record.status == RecordStatus.draft and record.current_version == 0


def test_no_record_without_a_decision(db, make_case):
    case = make_case(state=CaseState.investigating)
    with pytest.raises(GuardFailed):
        draft_record(case, case.created_by, suggested_draft(case, case.respondents[0]))


def test_revocation_needs_an_overturned_review_and_is_a_new_version(db, published):
    record, admin = published()
    with pytest.raises(GuardFailed):
        revoke_record(record, admin, "复查撤销")
    review(record.case, "overturned", reason="证据不足")
    revoke_record(record, admin, "复查撤销原处理决定")
    assert record.status == RecordStatus.revoked
    assert [v.version for v in record.versions] == [1, 2]
    assert record.payload["revocation_reason"] == "复查撤销原处理决定"


def test_expiry_job_marks_ended_terms(db, published):
    record, _admin = published()
    end = record.term_end
    assert expire_records(on=end) == 0
    assert expire_records(on=end + dt.timedelta(days=1)) == 1
    db.session.refresh(record)
    assert record.status == RecordStatus.expired


def test_integrity_check_page_finds_records_and_is_audited(db, published, make_user, login):
    record, _ = published()
    client = login(make_user("ZJ", roles=("officer",)))
    page = client.post(
        "/integrity-check",
        data={"name": "张伟", "id_type": "resident_id", "id_number": "3101 0119 8001 0112 3X"},
    ).get_data(as_text=True)
    assert f"/records/{record.id}" in page
    miss = client.post(
        "/integrity-check",
        data={"name": "王芳", "id_type": "resident_id", "id_number": "31010119900101999X"},
    ).get_data(as_text=True)
    assert 'data-testid="no-match"' in miss
    checks = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "record.integrity_check")
    ).all()
    assert [c.details["matches"] for c in checks] == [1, 0]
    assert ID_NUMBER not in str([c.details for c in checks])


def test_integrity_check_access(db, make_user, login, client):
    assert client.get("/integrity-check").status_code == 302  # anonymous → sign in
    login(make_user("SH", roles=("auditor",)))
    assert client.get("/integrity-check").status_code == 403


def test_integrity_check_api_with_bearer_token(db, published, make_user, client):
    published()
    token = create_token(make_user("AH", roles=("officer",)), "grants")
    db.session.commit()
    assert client.get("/api/v1/integrity-check?id_number=1").status_code == 401
    assert client.get("/api/v1/integrity-check").content_type == "application/problem+json"
    headers = {"Authorization": f"Bearer {token}"}
    bad = client.get("/api/v1/integrity-check?name=x", headers=headers)
    assert bad.status_code == 422 and bad.json["code"] == "invalid_input"
    found = client.get(
        f"/api/v1/integrity-check?name=张伟&id_number={ID_NUMBER}", headers=headers
    ).json
    assert found["matches"] == 1 and found["active"] == 1
    assert found["records"][0]["subject"]["id_masked"] == "3101**********123X"
    assert ID_NUMBER not in str(found)


def test_peer_admin_page_access(db, make_user, login, client):
    login(make_user("SH", roles=("officer",)))
    assert client.get("/exchange/peers").status_code == 403
    client.post("/logout")
    login(make_user("SH", roles=("agency_admin",)))
    assert client.get("/exchange/peers").status_code == 200
    bad = client.post(
        "/exchange/peers", data={"node_id": "x", "url": "ftp://a", "public_key": "k" * 43}
    )
    assert bad.status_code == 422  # refused: the form again, with the API's status
    assert 'data-testid="peers"' not in bad.get_data(as_text=True)  # nothing registered
    assert 'value="x"' in bad.get_data(as_text=True)  # what was typed is kept


def test_an_integrity_check_reads_nothing_again_after_committing_its_audit_row(
    db, published, make_user, client
):
    """The token with its user and roles, the records in force, their versions and
    recognitions when there are any, then the audit row (the chain's head, read under its
    lock in the same statement on PostgreSQL, then the row): what the answer shows is read
    before the commit, never again after it."""
    from tests.statements import counted

    published()
    token = create_token(make_user("AH", roles=("officer",)), "grants")
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    client.get(f"/api/v1/integrity-check?name=x&id_number={ID_NUMBER}", headers=headers)
    statements: list[str] = []

    def check(number: str) -> int:
        with counted(db.engine, savepoints=False) as ran:
            response = client.get(
                f"/api/v1/integrity-check?name=x&id_number={number}", headers=headers
            )
        statements[:] = ran
        assert response.status_code == 200, response.data
        return response.json["matches"]

    assert check("110101199003070011") == 0
    assert len(statements) == 4, " | ".join(s[:50] for s in statements)
    assert check(ID_NUMBER) == 1
    assert len(statements) == 6, " | ".join(s[:50] for s in statements)
    assert statements[-1].upper().startswith("INSERT INTO AUDIT_ENTRIES")
