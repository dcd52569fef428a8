"""Who may see and act on records: anonymous, other agency, wrong role, right role; and the
recognition of a received record through the page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.cases.models import CaseState
from app.core.models import AuditEntry
from app.records.models import AckStatus, IntegrityRecord, Recognition, RecordStatus
from app.records.services import draft_record, suggested_draft
from tests.exchange.test_api import envelope, node, peer  # noqa: F401  (fixtures)


@pytest.fixture
def draft(db, make_case):
    case = make_case(state=CaseState.decided)
    record = draft_record(case, case.created_by, suggested_draft(case, case.respondents[0]))
    db.session.commit()
    return record


def test_anonymous_is_sent_to_sign_in(client, draft):
    for url in ("/records", f"/records/{draft.id}", "/integrity-check", "/exchange/peers"):
        assert client.get(url).status_code == 302
    assert client.post(f"/records/{draft.id}/approve").status_code == 302


def test_draft_routes_by_role(client, draft, make_user, login):
    reference = draft.case.reference
    login(make_user("SH", roles=("committee_member",)))
    assert client.get("/records").get_data(as_text=True).count("张伟") == 0
    assert client.get(f"/records/{draft.id}").status_code == 404
    client.post("/logout")

    login(make_user("JS", roles=("officer", "supervisor")))
    assert client.get(f"/cases/{reference}/record").status_code == 404
    client.post("/logout")

    login(make_user("SH", roles=("auditor",)))
    assert client.get(f"/records/{draft.id}").status_code == 200
    assert client.get(f"/cases/{reference}/record").status_code == 403
    page = client.post(f"/records/{draft.id}/approve", follow_redirects=True)
    assert page.status_code == 403  # the record page again, with the API's status
    assert draft.status == RecordStatus.draft
    assert "管理员" in page.get_data(as_text=True)  # told why, in Chinese
    client.post("/logout")

    login(make_user("JS", roles=("agency_admin",)))
    assert client.post(f"/records/{draft.id}/approve").status_code == 404
    assert draft.status == RecordStatus.draft


def test_recognition_of_a_received_record_through_the_page(
    client,
    db,
    peer,  # noqa: F811
    make_user,
    login,
):
    response = client.post("/api/exchange/v1/envelopes", json=envelope(peer, "rec-page", 1))
    assert response.status_code == 200
    record = db.session.scalar(
        select(IntegrityRecord).where(IntegrityRecord.record_uid == "rec-page")
    )
    login(make_user("ZJ", roles=("officer",)))
    page = client.get(f"/records/{record.id}").get_data(as_text=True)
    assert f"/records/{record.id}/recognition" not in page  # officers do not decide
    client.post("/logout")

    login(make_user("ZJ", roles=("supervisor",)))
    declined = client.post(
        f"/records/{record.id}/recognition", data={"decision": "decline"}, follow_redirects=True
    )
    assert declined.status_code == 422
    assert "须说明理由" in declined.get_data(as_text=True)
    assert db.session.scalar(select(Recognition).where(Recognition.record_id == record.id)) is None
    client.post(
        f"/records/{record.id}/recognition",
        data={"decision": "recognise_modified", "modified_terms": "本省禁止申报两年"},
    )
    row = db.session.scalar(select(Recognition).where(Recognition.record_id == record.id))
    assert row.agency_code == "ZJ" and row.modified_terms == "本省禁止申报两年"
    # The origin (port 9) is unreachable: the decision stands, its acknowledgement waits.
    assert row.ack_status == AckStatus.failed
    detail = client.get(f"/records/{record.id}").get_data(as_text=True)
    assert "已变更认可" in detail and "发送失败" in detail
    assert (
        db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "record.recognition")
        ).details["decision"]
        == "recognise_modified"
    )


def test_record_page_shows_delivery_status_per_peer(
    client,
    db,
    draft,
    peer,  # noqa: F811
    make_user,
    login,
):
    login(make_user("SH", roles=("agency_admin",)))
    page = client.post(f"/records/{draft.id}/approve", follow_redirects=True)
    text = page.get_data(as_text=True)
    assert 'data-testid="deliveries"' in text
    assert "node-peer" in text and "发送失败" in text  # the peer at port 9 is down
    assert draft.versions[0].envelope["signature"]  # signed by this node
