"""Withdrawing a draft (撤回草稿): a draft that is not to be published (a review cleared its
respondent) is withdrawn by its agency's administrator or the officer who drafted it, with a
reason; it is never published nor exchanged, and the to-dos about it end. And a review
opened after publication (requested, or the case reopened on appeal) tells the
administrators that the record's decision is under review, which its page shows until the
review is decided."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.cases.models import CaseState
from app.core.errors import GuardFailed, InvalidInput, NotAllowed
from app.demo.scenario import review, take
from app.records.models import DraftStage, IntegrityRecord, RecordStatus, RecordVersion
from app.records.queues import record_queues
from app.records.services import (
    approve_record,
    draft_record,
    publish_held_records,
    return_record,
    revoke_record,
    suggested_draft,
    withdraw_record,
)
from tests.conftest import scenario_actors
from tests.records.support import audit_actions, notifications_of

REASON = "复查认定该被调查人无违规行为，草稿不再发布。"


def _fresh(record: IntegrityRecord) -> IntegrityRecord:
    from app.extensions import db

    db.session.expire_all()
    return db.session.get(IntegrityRecord, record.id)


@pytest.fixture
def drafted(db, make_case, make_user):
    """drafted(window_open=False) -> (record, officer, admin): a draft of a decided SH case."""
    import datetime as dt

    from app.core.calendar import today

    def make(window_open: bool = False):
        received = today() - dt.timedelta(days=170) if window_open else dt.date(2026, 3, 2)
        case = make_case(state=CaseState.decided, received_date=received)
        officer = case.created_by
        admin = make_user("SH", roles=("agency_admin",), locale="en")
        record = draft_record(case, officer, suggested_draft(case, case.respondents[0]))
        db.session.commit()
        return record, officer, admin

    return make


def test_a_draft_a_review_cleared_is_withdrawn_by_the_administrator(db, drafted, login, client):
    record, officer, admin = drafted(window_open=True)
    approve_record(record, admin)  # held until the window closes
    review(record.case, "overturned")  # clears the respondent: the draft goes back
    db.session.commit()
    assert record.draft_stage == DraftStage.returned
    assert [n for n in notifications_of(officer, "record.returned") if n.done_at is None]
    login(admin)
    page = client.get(f"/records/{record.id}").get_data(as_text=True)
    assert 'data-testid="withdraw-card"' in page and "data-confirm" in page
    response = client.post(f"/records/{record.id}/withdraw", data={"reason": REASON})
    assert response.status_code == 302
    record = _fresh(record)
    assert record.status == RecordStatus.withdrawn and record.draft_stage is None
    assert record.publish_on is None and record.current_version == 0
    assert record.approval_log[-1]["step"] == "withdrawn"
    assert record.withdrawal_reason == REASON
    assert audit_actions(record)[-1] == "record.withdraw"
    # The officer's open to-do about it ends; nothing waits for the administrators.
    assert all(n.done_at is not None for n in notifications_of(officer, "record.returned"))
    assert all(n.done_at is not None for n in notifications_of(admin, "record.drafted"))
    assert record not in record_queues(admin)["to_approve"].records
    # The page and the list say it was withdrawn, and why; no step is offered any more.
    shown = client.get(f"/records/{record.id}").get_data(as_text=True)
    assert 'data-testid="record-withdrawn"' in shown and REASON in shown
    for card in ("withdraw-card", "approve-card", "return-card"):
        assert f'data-testid="{card}"' not in shown
    listing = client.get("/records?status=withdrawn").get_data(as_text=True)
    assert f"/records/{record.id}" in listing and REASON in listing
    # Never published, not even by the held-records job.
    assert publish_held_records() == []
    assert not db.session.scalars(
        select(RecordVersion).where(RecordVersion.record_id == record.id)
    ).all()


def test_the_drafting_officer_withdraws_a_waiting_draft_in_chinese(
    db, drafted, make_user, login, client
):
    record, officer, admin = drafted()
    assert [n for n in notifications_of(admin, "record.drafted") if n.done_at is None]
    officer.locale = "zh"
    db.session.commit()
    login(officer)
    page = client.get(f"/records/{record.id}").get_data(as_text=True)
    assert "撤回草稿" in page
    response = client.post(f"/records/{record.id}/withdraw", data={"reason": REASON})
    assert response.status_code == 302
    record = _fresh(record)
    assert record.status == RecordStatus.withdrawn
    assert all(n.done_at is not None for n in notifications_of(admin, "record.drafted"))
    shown = client.get(f"/records/{record.id}").get_data(as_text=True)
    assert "已撤回" in shown and REASON in shown
    case_page = client.get(f"/cases/{record.case.reference}").get_data(as_text=True)
    assert f"/records/{record.id}" in case_page and REASON in case_page
    # Withdrawn, the respondent may have a record drafted anew.
    again = draft_record(record.case, officer, suggested_draft(record.case, record.party))
    assert again.id != record.id and again.status == RecordStatus.draft


def test_withdrawing_refusals_change_nothing(db, drafted, make_user, login, client):
    record, officer, admin = drafted()
    # The reason is required.
    with pytest.raises(InvalidInput):
        withdraw_record(record, admin, "  ")
    with pytest.raises(InvalidInput):
        withdraw_record(record, admin, "长" * 5001)
    login(admin)
    assert client.post(f"/records/{record.id}/withdraw", data={"reason": ""}).status_code == 422
    client.post("/logout")
    # Wrong role: another officer, a supervisor and an auditor of the agency.
    for roles in (("officer",), ("supervisor",), ("auditor",)):
        user = make_user("SH", roles=roles)
        with pytest.raises(NotAllowed):
            withdraw_record(record, user, REASON)
    login(make_user("SH", roles=("auditor",)))
    page = client.get(f"/records/{record.id}").get_data(as_text=True)
    assert 'data-testid="withdraw-card"' not in page
    assert client.post(f"/records/{record.id}/withdraw", data={"reason": REASON}).status_code == 403
    client.post("/logout")
    # Another agency's administrator: refused, and over HTTP the draft is not there at all.
    other = make_user("JS", roles=("agency_admin",))
    with pytest.raises(NotAllowed):
        withdraw_record(record, other, REASON)
    login(other)
    assert client.post(f"/records/{record.id}/withdraw", data={"reason": REASON}).status_code == 404
    client.post("/logout")
    record = _fresh(record)
    assert record.status == RecordStatus.draft and record.draft_stage == DraftStage.submitted
    assert not record.approval_log and "record.withdraw" not in audit_actions(record)

    # Twice: the second is refused.
    withdraw_record(record, officer, REASON)
    db.session.commit()
    with pytest.raises(GuardFailed):
        withdraw_record(record, admin, REASON)
    login(admin)
    assert client.post(f"/records/{record.id}/withdraw", data={"reason": "再次"}).status_code == 409
    client.post("/logout")
    # A withdrawn draft is neither approved, returned nor revoked.
    with pytest.raises(GuardFailed):
        approve_record(record, admin)
    with pytest.raises(GuardFailed):
        return_record(record, admin, REASON)
    with pytest.raises(GuardFailed):
        revoke_record(record, admin, REASON)
    assert _fresh(record).approval_log[-1]["reason"] == REASON

    # A published record is not withdrawn: it is amended or revoked after a review.
    published, _officer, admin = drafted()
    approve_record(published, admin)
    db.session.commit()
    with pytest.raises(GuardFailed):
        withdraw_record(published, admin, REASON)
    login(admin)
    response = client.post(f"/records/{published.id}/withdraw", data={"reason": REASON})
    assert response.status_code == 409
    assert _fresh(published).status == RecordStatus.active
    # Another agency sees the published record, but may not withdraw it.
    client.post("/logout")
    login(other)
    response = client.post(f"/records/{published.id}/withdraw", data={"reason": REASON})
    assert response.status_code == 403


def test_a_withdrawn_draft_does_not_leak_to_other_agencies(db, drafted, make_user, login, client):
    record, officer, _admin = drafted()
    withdraw_record(record, officer, REASON)
    db.session.commit()
    for roles in (("supervisor",), ("agency_admin",), ("officer",), ("auditor",)):
        user = make_user("JS", roles=roles)
        login(user)
        listing = client.get("/records").get_data(as_text=True)
        assert f"/records/{record.id}" not in listing and REASON not in listing
        assert client.get(f"/records/{record.id}").status_code == 404
        assert all(record not in q.records for q in record_queues(user).values())
        if user.has_role("officer"):
            found = client.post(
                "/integrity-check",
                data={"name": "张伟", "id_type": "resident_id", "id_number": "31010119800101123X"},
            ).get_data(as_text=True)
            assert f"/records/{record.id}" not in found
        client.post("/logout")
    # Its own agency's auditor sees it, with the reason.
    login(make_user("SH", roles=("auditor",)))
    assert REASON in client.get(f"/records/{record.id}").get_data(as_text=True)


# --- a review opened after publication ---------------------------------------------------


def test_a_review_requested_after_publication_tells_the_administrators(
    db, drafted, make_user, login, client
):
    record, _officer, admin = drafted()
    approve_record(record, admin)
    db.session.commit()
    assert record.status == RecordStatus.active
    case = record.case
    take(case, "request_review", scenario_actors(case))
    db.session.commit()
    # A notification, not a to-do, naming the record's subject and case.
    (told,) = notifications_of(admin, "record.under_review")
    assert told.todo_key is None and case.reference in told.text
    assert told.link["values"]["record_id"] == record.id
    assert audit_actions(record)[-1] == "record.under_review"
    login(admin)
    page = client.get(f"/records/{record.id}").get_data(as_text=True)
    assert 'data-testid="decision-under-review"' in page
    assert case.review_decision_due.isoformat() in page
    client.post("/logout")
    # Another agency sees the published record, not the deciding agency's review.
    login(make_user("JS", roles=("supervisor",)))
    page = client.get(f"/records/{record.id}").get_data(as_text=True)
    assert 'data-testid="decision-under-review"' not in page
    client.post("/logout")
    # Decided (upheld): the page no longer says so, and nothing is to do.
    take(case, "decide_review", scenario_actors(case), {"outcome": "upheld"})
    db.session.commit()
    login(admin)
    page = client.get(f"/records/{record.id}").get_data(as_text=True)
    assert 'data-testid="decision-under-review"' not in page
    assert not notifications_of(admin, "record.amend_due") and not notifications_of(
        admin, "record.revoke_due"
    )


def test_reopening_the_case_on_appeal_tells_the_administrators_again(db, drafted, login, client):
    record, _officer, admin = drafted()
    approve_record(record, admin)
    case = record.case
    review(case, "upheld")
    actors = scenario_actors(case)
    take(case, "close_case", actors)
    db.session.commit()
    assert len(notifications_of(admin, "record.under_review")) == 1  # the first review
    take(case, "reopen_case", actors)
    db.session.commit()
    assert case.state == CaseState.under_review
    told = notifications_of(admin, "record.under_review")
    assert len(told) == 2 and all(n.todo_key is None for n in told)
    login(admin)
    page = client.get(f"/records/{record.id}").get_data(as_text=True)
    assert 'data-testid="decision-under-review"' in page
    # The reopened review overturns the decision: now the to-do comes, and the notice ends.
    take(case, "decide_review", actors, {"outcome": "overturned"})
    db.session.commit()
    (todo,) = notifications_of(admin, "record.revoke_due")
    assert todo.todo_key and todo.done_at is None
    page = client.get(f"/records/{record.id}").get_data(as_text=True)
    assert 'data-testid="decision-under-review"' not in page


def test_a_review_of_a_draft_or_withdrawn_record_tells_nobody(db, drafted):
    waiting, _officer, admin = drafted()
    withdrawn, officer, admin2 = drafted()
    withdraw_record(withdrawn, officer, REASON)
    for record in (waiting, withdrawn):
        take(record.case, "request_review", scenario_actors(record.case))
    db.session.commit()
    assert not notifications_of(admin, "record.under_review") and not notifications_of(
        admin2, "record.under_review"
    )
    assert "record.under_review" not in audit_actions(waiting) + audit_actions(withdrawn)
