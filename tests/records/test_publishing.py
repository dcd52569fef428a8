"""Publishing records: what the administrator is told (where the version went, whether the
decision may still change on review), refusals of revocation by state, the demo's records
reaching the peers, and versions published before the node joined the exchange."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from app.cases.models import CaseState
from app.core import envelopes
from app.core.errors import GuardFailed
from app.core.node import init_node, load_public_key, public_key_text
from app.demo.scenario import review
from app.exchange.envelopes import check_shape
from app.exchange.models import Delivery
from app.exchange.services import add_peer
from app.records.models import IntegrityRecord, RecordStatus, RecordVersion
from app.records.services import approve_record, draft_record, revoke_record, suggested_draft


@pytest.fixture
def key_dir(app, tmp_path):
    """A node folder of this test's own: the session's node key stays untouched, and the
    node starts without a key."""
    saved = app.config["EXCHANGE_KEY_DIR"]
    app.config["EXCHANGE_KEY_DIR"] = str(tmp_path / "exchange")
    yield tmp_path / "exchange"
    app.config["EXCHANGE_KEY_DIR"] = saved


@pytest.fixture
def drafted(db, make_case, make_user):
    def make(received_date: dt.date = dt.date(2026, 3, 2)):
        case = make_case(state=CaseState.decided, received_date=received_date)
        record = draft_record(case, case.created_by, suggested_draft(case, case.respondents[0]))
        admin = make_user("SH", roles=("agency_admin",), locale="en")
        db.session.commit()
        return record, admin

    return make


def _peer_key() -> str:
    return public_key_text(Ed25519PrivateKey.generate().public_key())


def test_revoking_a_draft_or_a_revoked_record_is_a_state_conflict(db, drafted, login, client):
    record, admin = drafted()
    with pytest.raises(GuardFailed):
        revoke_record(record, admin, "撤销")
    login(admin)
    response = client.post(f"/records/{record.id}/revoke", data={"reason": "撤销"})
    assert response.status_code == 409  # the record page again, with the API's status
    page = response.get_data(as_text=True)
    assert "nothing to revoke" in page and 'data-testid="record-fields"' in page
    assert "nothing to revoke" in page and "Only an administrator" not in page
    assert record.status == RecordStatus.draft and record.current_version == 0

    approve_record(record, admin)
    review(record.case, "overturned", reason="证据不足")
    revoke_record(record, admin, "复查撤销")
    db.session.commit()
    with pytest.raises(GuardFailed):
        revoke_record(record, admin, "再次撤销")
    response = client.post(f"/records/{record.id}/revoke", data={"reason": "再次撤销"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "already revoked" in page and "Only an administrator" not in page
    assert record.current_version == 2


def test_approving_says_where_the_record_went(db, drafted, login, client, key_dir):
    record, admin = drafted()
    login(admin)
    page = client.post(f"/records/{record.id}/approve", follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "has not joined the exchange" in text and "sent to the exchange peers" not in text

    init_node("node-test-publishing")
    record, admin = drafted()
    login(admin)
    text = client.post(f"/records/{record.id}/approve", follow_redirects=True).get_data(
        as_text=True
    )
    assert "No exchange peer is registered" in text

    add_peer("node-far", "http://127.0.0.1:9", _peer_key())
    record, admin = drafted()
    login(admin)
    text = client.post(f"/records/{record.id}/approve", follow_redirects=True).get_data(
        as_text=True
    )
    assert "Exchange peers it is sent to: 1." in text


def test_approving_while_the_review_window_is_open_warns(db, drafted, login, client):
    from app.core.calendar import today

    record, admin = drafted(received_date=today() - dt.timedelta(days=170))
    due = record.case.review_request_due
    assert record.case.state == CaseState.decided and due >= today()
    login(admin)
    detail = client.get(f"/records/{record.id}").get_data(as_text=True)
    assert 'data-testid="review-window-open"' in detail and due.isoformat() in detail
    # Inside the window, publishing at once takes the reason why it may not wait (holding
    # it until the window closes is tests/records/test_approval.py).
    text = client.post(
        f"/records/{record.id}/approve",
        data={"publish_now": "1", "reason": "当事人正在多省申报项目"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "review request window of this decision is open until" in text
    assert due.isoformat() in text and record.status == RecordStatus.active


def test_no_review_warning_once_the_window_has_closed(db, drafted, login, client):
    record, admin = drafted()  # decided in 2026-08, the window ended weeks ago
    login(admin)
    assert 'data-testid="review-window-open"' not in client.get(f"/records/{record.id}").get_data(
        as_text=True
    )
    text = client.post(f"/records/{record.id}/approve", follow_redirects=True).get_data(
        as_text=True
    )
    assert "review request window" not in text


def test_versions_published_before_init_are_signed_and_queued_on_init(app, db, drafted, key_dir):
    record, admin = drafted()
    approve_record(record, admin)
    other, admin = drafted()
    approve_record(other, admin)
    db.session.commit()
    peer = add_peer("node-far", "http://127.0.0.1:9", _peer_key())
    db.session.commit()
    before = db.session.scalars(select(RecordVersion).order_by(RecordVersion.id)).all()
    assert [("signature" in v.envelope) for v in before] == [False, False]
    assert record.origin_node == "local"

    result = app.test_cli_runner().invoke(args=["exchange", "init", "--node-id", "node-late"])
    assert result.exit_code == 0, result.output
    assert "signed 2 versions" in result.output

    db.session.expire_all()
    versions = db.session.scalars(select(RecordVersion).order_by(RecordVersion.id)).all()
    public = load_public_key(init_node()[1])
    for version in versions:
        shape = check_shape(version.envelope)
        assert shape.sender == "node-late" and envelopes.verify(version.envelope, public)
        assert version.envelope_sha256 == envelopes.digest(version.envelope)
        assert version.envelope["payload"]["status"] == "active"
    assert db.session.get(IntegrityRecord, record.id).origin_node == "node-late"
    deliveries = db.session.scalars(select(Delivery).order_by(Delivery.id)).all()
    assert [(d.version_id, d.peer_id) for d in deliveries] == [(v.id, peer.id) for v in versions]
    assert all(d.attempts == 1 for d in deliveries)  # handed to the queue, tried at once

    again = app.test_cli_runner().invoke(args=["exchange", "init"])
    assert again.exit_code == 0 and "signed" not in again.output
    assert len(db.session.scalars(select(Delivery)).all()) == 2


def test_demo_records_are_sent_to_the_peers(app, db, monkeypatch, key_dir):
    from app.demo import data
    from app.demo.loader import load_demo

    init_node("node-demo")
    add_peer("node-far", "http://127.0.0.1:9", _peer_key())
    monkeypatch.setattr(data, "STATE_SPREAD", {CaseState.decided: 12})
    assert load_demo() == 12
    deliveries = db.session.scalars(select(Delivery)).all()
    assert deliveries, "the demo published no record"
    # Each agency with a decided case publishes one and leaves one for its administrator.
    from app.auth.models import User
    from app.records.queues import record_queues

    drafts = db.session.scalars(
        select(IntegrityRecord).where(IntegrityRecord.status == RecordStatus.draft)
    ).all()
    published = {r.agency_id for r in db.session.scalars(select(IntegrityRecord))} - {
        r.agency_id for r in drafts
    }
    assert drafts and not published, "an agency published without a draft left to approve"
    for draft in drafts:
        admin = db.session.scalar(
            select(User).where(User.username == f"{draft.agency.code.lower()}-admin")
        )
        assert draft in record_queues(admin)["to_approve"].records
    # Scheduled after the commit: tried once (the peer is unreachable), not left pending.
    assert all(d.attempts == 1 and d.last_error for d in deliveries)
    # The remedies of the demo: an objection pending, one dismissed, a repair approved.
    from app.records.models import RecordObjection, RepairRequest

    states = sorted(o.state.value for o in db.session.scalars(select(RecordObjection)))
    assert states == ["dismissed", "pending"]
    [repair] = db.session.scalars(select(RepairRequest)).all()
    assert repair.state.value == "approved" and repair.record.repaired_on is not None


def test_the_administrator_sees_what_they_approve_on_the_record_page(
    db, drafted, make_user, login, client
):
    from app.core.calendar import today

    record, admin = drafted(received_date=today() - dt.timedelta(days=170))
    case = record.case
    login(admin)
    assert client.get(f"/cases/{case.reference}").status_code == 404  # case access not widened
    page = client.get(f"/records/{record.id}").get_data(as_text=True)
    context = page[page.index('data-testid="approval-context"') :]
    assert f"the decision of case {case.reference}" in context
    assert case.decision_text in context and case.decided_on.isoformat() in context
    assert 'data-testid="approval-review-open"' in context
    assert case.review_request_due.isoformat() in context
    assert case.sanctions[0].end_date.isoformat() in context
    assert f'href="/cases/{case.reference}"' not in page  # no link to a page that is a 404
    # Nobody else gets the context: another agency's administrator sees no draft at all.
    client.post("/logout")
    login(make_user("JS", roles=("agency_admin",), locale="en"))
    assert client.get(f"/records/{record.id}").status_code == 404


def test_the_context_says_when_the_review_window_has_closed(db, drafted, login, client):
    record, admin = drafted()
    login(admin)
    page = client.get(f"/records/{record.id}").get_data(as_text=True)
    assert 'data-testid="approval-review-closed"' in page
    assert 'data-testid="approval-sanctions"' in page


def test_the_dashboard_lists_the_drafts_to_approve_and_the_badge_counts_them(
    db, drafted, login, client
):
    record, admin = drafted()
    login(admin)
    page = client.get("/").get_data(as_text=True)
    panel = page[page.index('data-testid="queue-to_approve"') :]
    assert f'href="/records/{record.id}"' in panel[: panel.index("</table>")]
    assert 'data-testid="nav-badge"' in page


def test_the_exchange_listens_to_records_once_however_many_apps(
    db, drafted, login, client, key_dir
):
    """Another app in the same process registers the exchange's listeners and section again:
    records keeps one of each, so a version goes once to each peer and its page shows one
    delivery table."""
    from app import create_app
    from app.records import extension_points as hooks

    def registered():
        return [hooks.VERSION_LISTENERS, hooks.RECOGNITION_LISTENERS, hooks.RECORD_SECTIONS]

    before = [list(r) for r in registered()]
    assert [len(r) for r in before] == [1, 1, 1]
    create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert registered() == before

    init_node("node-test-once")
    add_peer("node-far", "http://127.0.0.1:9", _peer_key())
    record, admin = drafted()
    login(admin)
    page = client.post(f"/records/{record.id}/approve", follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "Exchange peers it is sent to: 1." in text
    assert text.count('data-testid="deliveries"') == 1 and text.count("node-far") == 1
    assert len(db.session.scalars(select(Delivery)).all()) == 1
