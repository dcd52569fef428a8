"""Success paths of forms no other test fills in correctly through the page: a user fills
the form in as they should, and sees what changed."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from app.auth.models import User
from app.cases.models import CaseState
from app.core.node import public_key_text
from app.demo.scenario import review
from app.exchange.models import ExchangePeer
from app.records.models import RecordStatus
from app.records.services import approve_record, draft_record, suggested_draft
from tests.ui_helpers import page_version, sign_in, text


def test_a_supervisor_extends_an_investigation_from_the_case_page(client, db, make_case, make_user):
    supervisor = make_user("SH", roles=("supervisor",), locale="en")
    case = make_case(state=CaseState.investigating)
    due_before = case.investigation_due
    sign_in(client, supervisor)
    assert "Extend investigation" in text(client.get(f"/cases/{case.reference}"))
    response = client.post(
        f"/cases/{case.reference}/extension",
        data={
            "months": 3,
            "reason": "需赴境外调取原始数据",
            "version": page_version(client, case.reference),
        },
        follow_redirects=True,
    )
    page = text(response)
    assert response.status_code == 200
    assert "(+3)" in page and "Extend investigation" not in page  # one extension only
    assert "需赴境外调取原始数据" in page.split('data-testid="timeline"', 1)[1]
    db.session.refresh(case)
    assert case.extension_months == 3 and case.investigation_due > due_before


def test_the_account_page_saves_the_language_and_it_sticks(app, client, db, make_user):
    user = make_user("SH", roles=("officer",))
    sign_in(client, user)
    assert "工作台" in text(client.get("/"))
    response = client.post("/account", data={"locale": "en"}, follow_redirects=True)
    assert "Language saved." in text(response)
    assert "Dashboard" in text(client.get("/"))
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "en"
    elsewhere = app.test_client()
    sign_in(elsewhere, user)
    assert 'lang="en"' in text(elsewhere.get("/"))


def test_an_admin_revokes_a_record_from_its_page_after_an_overturned_review(
    client, db, make_case, make_user
):
    case = make_case(state=CaseState.decided)
    admin = make_user("SH", roles=("agency_admin",), locale="en")
    record = draft_record(case, case.created_by, suggested_draft(case, case.respondents[0]))
    approve_record(record, admin)
    review(case, "overturned", reason="证据不足")
    sign_in(client, admin)
    response = client.post(
        f"/records/{record.id}/revoke", data={"reason": "复查撤销原处理决定"}, follow_redirects=True
    )
    page = text(response)
    assert "The revocation is published" in page
    assert "复查撤销原处理决定" in page and "Revoked" in page and "Version 2" in page
    db.session.refresh(record)
    assert record.status == RecordStatus.revoked


def test_an_admin_registers_disables_and_enables_a_peer_from_the_page(client, db, make_user):
    sign_in(client, make_user("SH", roles=("agency_admin",), locale="en"))
    key = public_key_text(Ed25519PrivateKey.generate().public_key())
    response = client.post(
        "/exchange/peers",
        data={"node_id": "node-zj", "url": "https://zj.example.test/", "public_key": key},
        follow_redirects=True,
    )
    page = text(response)
    assert "The peer is registered." in page
    listed = page.split('data-testid="peers"', 1)[1]
    assert "node-zj" in listed and "https://zj.example.test" in listed and "Active" in listed
    peer = db.session.scalar(select(ExchangePeer).where(ExchangePeer.node_id == "node-zj"))
    disabled = text(
        client.post(
            f"/exchange/peers/{peer.id}/active", data={"active": "0"}, follow_redirects=True
        )
    )
    assert "Disabled" in disabled and ">Enable<" in disabled
    enabled = text(
        client.post(
            f"/exchange/peers/{peer.id}/active", data={"active": "1"}, follow_redirects=True
        )
    )
    assert ">Disable<" in enabled
    db.session.refresh(peer)
    assert peer.active


def test_signing_out_says_so_and_the_pages_ask_to_sign_in_again(client, db, make_user):
    from app.core.audit import AuditEntry

    user = make_user("SH", roles=("officer",))
    sign_in(client, user)
    assert client.get("/").status_code == 200
    response = client.post("/logout", follow_redirects=True)
    assert "您已退出登录。" in text(response)
    after = client.get("/")
    assert after.status_code == 302 and "/login" in after.headers["Location"]
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.actor_id == user.id)
    ).all()
    assert "auth.logout" in actions
