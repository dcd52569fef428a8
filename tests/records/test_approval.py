"""Record approval both ways: an administrator returns a draft to its officer with a reason
and the officer corrects and resubmits it; an approval inside the decision's review window
holds the record until the window has closed (or publishes it now, with the reason why it
may not wait); a review that changes the decision makes amending (or revoking) the record a
to-do of the administrators, the amend form prefilled from the new decision, and the
version it replaces reads as superseded."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.cases.models import CaseState, PartyType, SanctionType
from app.cases.services import RespondentInput
from app.core.calendar import as_of, today
from app.core.errors import GuardFailed, InvalidInput, NotAllowed
from app.demo.scenario import review, take
from app.notifications.models import Notification
from app.records.models import DraftStage, IntegrityRecord, RecordStatus, RecordVersion
from app.records.queues import record_queues
from app.records.services import (
    amend_record,
    approve_record,
    draft_record,
    publish_held_records,
    resubmit_record,
    return_record,
    revoke_record,
    suggested_draft,
    terms_of,
)
from app.records.tasks import publish_held_records_job
from tests.conftest import scenario_actors
from tests.records.support import audit_actions, notifications_of

REASON = "违规行为描述与调查报告不一致，请核对后重新提交。"
EARLY = "当事人正在申报多省科技计划项目，需及时向各地共享。"


def _open(rows: list[Notification]) -> list[Notification]:
    return [n for n in rows if n.todo_key and n.done_at is None]


@pytest.fixture
def drafted(db, make_case, make_user):
    """drafted(window_open=False) -> (record, officer, admin): a draft of a decided SH case;
    with `window_open` the decision was served a few days ago and its review window runs."""

    def make(window_open: bool = False, **fields):
        received = today() - dt.timedelta(days=170) if window_open else dt.date(2026, 3, 2)
        case = make_case(state=CaseState.decided, received_date=received, **fields)
        officer = case.created_by
        admin = make_user("SH", roles=("agency_admin",), locale="en")
        record = draft_record(case, officer, suggested_draft(case, case.respondents[0]))
        db.session.commit()
        return record, officer, admin

    return make


# --- returning a draft ---------------------------------------------------------------


def test_an_administrator_returns_a_draft_and_the_officer_corrects_and_resubmits(
    db, drafted, login, client
):
    record, officer, admin = drafted()
    assert record.draft_stage == DraftStage.submitted
    assert _open(notifications_of(admin, "record.drafted"))
    login(admin)
    page = client.get(f"/records/{record.id}").get_data(as_text=True)
    assert 'data-testid="return-card"' in page and "data-confirm" in page
    response = client.post(f"/records/{record.id}/return", data={"reason": REASON})
    assert response.status_code == 302
    db.session.expire_all()
    record = db.session.get(IntegrityRecord, record.id)
    assert record.status == RecordStatus.draft and record.draft_stage == DraftStage.returned
    assert record.current_version == 0 and record.approved_by_id is None
    assert record.approval_log[-1]["step"] == "returned"
    assert record.approval_log[-1]["reason"] == REASON
    assert audit_actions(record)[-1] == "record.return"
    # The administrator's to-do ends; the officer has one, naming the case.
    assert not _open(notifications_of(admin, "record.drafted"))
    (told,) = notifications_of(officer, "record.returned")
    assert told.done_at is None and record.case.reference in told.text
    # Not in the administrators' queue while it is with the officer; the page says why.
    assert record not in record_queues(admin)["to_approve"].records
    shown = client.get(f"/records/{record.id}").get_data(as_text=True)
    assert 'data-testid="approval-log"' in shown and REASON in shown
    assert 'data-testid="approve-card"' not in shown and 'data-testid="return-card"' not in shown
    assert "Returned to the officer" in shown
    client.post("/logout")

    # The officer corrects the draft (the form holds it as it was) and submits it again.
    login(officer)
    detail = client.get(f"/records/{record.id}").get_data(as_text=True)
    assert 'data-testid="revise-card"' in detail and REASON in detail
    form_page = client.get(f"/records/{record.id}/revise").get_data(as_text=True)
    assert record.draft["conduct"] in form_page and "data-confirm" in form_page
    form = {
        "conduct": "抄袭他人论文成果",
        "outcome": record.draft["outcome"],
        "legal_basis": record.draft["legal_basis"],
        "effective_date": record.draft["effective_date"],
        "term_end": record.draft["term_end"],
        "severity": record.draft["severity"],
    }
    assert client.post(f"/records/{record.id}/revise", data=form).status_code == 302
    db.session.expire_all()
    record = db.session.get(IntegrityRecord, record.id)
    assert (
        record.draft_stage == DraftStage.submitted and record.draft["conduct"] == "抄袭他人论文成果"
    )
    assert [e["step"] for e in record.approval_log] == ["returned", "resubmitted"]
    assert audit_actions(record)[-1] == "record.resubmit"
    assert not _open(notifications_of(officer, "record.returned"))
    assert _open(notifications_of(admin, "record.resubmitted"))
    # A second submit of the same form changes nothing and says why.
    again = client.post(f"/records/{record.id}/revise", data=form)
    assert again.status_code == 409
    assert [e["step"] for e in db.session.get(IntegrityRecord, record.id).approval_log] == [
        "returned",
        "resubmitted",
    ]
    client.post("/logout")

    login(admin)
    assert record in record_queues(admin)["to_approve"].records
    assert client.post(f"/records/{record.id}/approve").status_code == 302
    db.session.expire_all()
    record = db.session.get(IntegrityRecord, record.id)
    assert record.status == RecordStatus.active and record.payload["conduct"] == "抄袭他人论文成果"
    assert record.draft_stage is None
    assert not _open(notifications_of(admin, "record.resubmitted"))


def test_returning_refusals_change_nothing(db, drafted, make_user, login, client):
    record, officer, admin = drafted()
    # The reason is required, within its limit.
    with pytest.raises(InvalidInput):
        return_record(record, admin, "  ")
    with pytest.raises(InvalidInput):
        return_record(record, admin, "长" * 5001)
    login(admin)
    missing = client.post(f"/records/{record.id}/return", data={"reason": ""})
    assert missing.status_code == 422
    db.session.expire_all()
    assert db.session.get(IntegrityRecord, record.id).draft_stage == DraftStage.submitted
    client.post("/logout")
    # Wrong role: the officer, a supervisor, an auditor of the agency.
    for roles in (("officer",), ("supervisor",), ("auditor",)):
        with pytest.raises(NotAllowed):
            return_record(record, make_user("SH", roles=roles), REASON)
    login(make_user("SH", roles=("supervisor",)))
    assert client.post(f"/records/{record.id}/return", data={"reason": REASON}).status_code == 403
    client.post("/logout")
    # Another agency's administrator does not see the draft at all.
    other = make_user("JS", roles=("agency_admin",))
    with pytest.raises(NotAllowed):
        return_record(record, other, REASON)
    login(other)
    assert client.post(f"/records/{record.id}/return", data={"reason": REASON}).status_code == 404
    assert client.get(f"/records/{record.id}/revise").status_code == 404
    client.post("/logout")
    db.session.expire_all()
    record = db.session.get(IntegrityRecord, record.id)
    assert record.draft_stage == DraftStage.submitted and not record.approval_log

    # Returned once: a second return, an approval and another's correction are refused.
    return_record(record, admin, REASON)
    db.session.commit()
    with pytest.raises(GuardFailed):
        return_record(record, admin, REASON)
    with pytest.raises(GuardFailed):
        approve_record(record, admin)
    with pytest.raises(NotAllowed):
        resubmit_record(record, make_user("JS", roles=("officer",)), terms_of(record))
    with pytest.raises(NotAllowed):
        resubmit_record(record, admin, terms_of(record))
    login(make_user("SH", roles=("auditor",)))
    assert client.get(f"/records/{record.id}/revise").status_code == 403
    client.post("/logout")

    # A published record is not returned: it is amended after a review.
    resubmit_record(record, officer, terms_of(record))
    approve_record(record, admin)
    db.session.commit()
    with pytest.raises(GuardFailed):
        return_record(record, admin, REASON)
    login(admin)
    assert client.post(f"/records/{record.id}/return", data={"reason": REASON}).status_code == 409
    assert db.session.get(IntegrityRecord, record.id).status == RecordStatus.active


def test_a_returned_draft_refuses_an_invalid_correction_and_keeps_the_input(
    db, drafted, login, client
):
    record, officer, admin = drafted()
    return_record(record, admin, REASON)
    db.session.commit()
    login(officer)
    form = {
        "conduct": "改写后的行为描述",
        "outcome": record.draft["outcome"],
        "legal_basis": record.draft["legal_basis"],
        "effective_date": record.draft["effective_date"],
        "term_end": "2000-01-01",  # before it starts
        "severity": "minor",
    }
    refused = client.post(f"/records/{record.id}/revise", data=form)
    assert refused.status_code == 422 and "改写后的行为描述" in refused.get_data(as_text=True)
    db.session.expire_all()
    record = db.session.get(IntegrityRecord, record.id)
    assert (
        record.draft_stage == DraftStage.returned and record.draft["conduct"] != "改写后的行为描述"
    )


# --- publishing waits for the review window ---------------------------------------------


def test_approving_inside_the_window_holds_the_record_until_it_closes(
    app, db, drafted, make_user, login, client
):
    record, _officer, admin = drafted(window_open=True)
    due = record.case.review_request_due
    assert due >= today()
    login(admin)
    page = client.get(f"/records/{record.id}").get_data(as_text=True)
    assert "Approve; publish when the window closes" in page and 'data-testid="publish-now"' in page
    text = client.post(f"/records/{record.id}/approve", follow_redirects=True).get_data(
        as_text=True
    )
    db.session.expire_all()
    record = db.session.get(IntegrityRecord, record.id)
    publish_on = due + dt.timedelta(days=1)
    assert record.status == RecordStatus.draft and record.draft_stage == DraftStage.held
    assert record.publish_on == publish_on and record.current_version == 0
    assert not db.session.scalars(select(RecordVersion)).all()  # nothing to exchange yet
    assert "published when the review window has closed" in text
    assert 'data-testid="publishing-held"' in text and publish_on.isoformat() in text
    assert "record.hold" in audit_actions(record)
    assert record not in record_queues(admin)["to_approve"].records
    assert not _open(notifications_of(admin, "record.drafted"))
    # Approving again (a double submit) changes nothing.
    assert client.post(f"/records/{record.id}/approve").status_code == 409
    client.post("/logout")
    # Other agencies see nothing of it until it is published.
    login(make_user("JS", roles=("supervisor",)))
    assert client.get(f"/records/{record.id}").status_code == 404
    client.post("/logout")

    # The job publishes nothing while the window runs...
    assert publish_held_records() == []
    # ...and publishes it once the window has closed, with the peers told after the commit.
    with as_of(publish_on):
        assert publish_held_records_job() == 1
    db.session.expire_all()
    record = db.session.get(IntegrityRecord, record.id)
    assert record.status == RecordStatus.active and record.current_version == 1
    assert record.draft_stage is None and record.publish_on is None
    assert record.approval_log[-1]["step"] == "published"
    assert audit_actions(record)[-1] == "record.publish_held"
    with as_of(publish_on):
        assert publish_held_records_job() == 0  # once


def test_a_review_requested_in_the_window_keeps_the_record_held(db, drafted):
    record, _officer, admin = drafted(window_open=True)
    approve_record(record, admin)
    case = record.case
    take(case, "request_review", scenario_actors(case))
    db.session.commit()
    later = case.review_request_due + dt.timedelta(days=30)
    with as_of(later):
        assert publish_held_records() == []
    assert record.draft_stage == DraftStage.held and record.current_version == 0
    # Upheld on review: the decision stands and the record is published.
    take(case, "decide_review", scenario_actors(case), {"outcome": "upheld"})
    db.session.commit()
    with as_of(later):
        assert len(publish_held_records()) == 1
    assert record.status == RecordStatus.active


def test_publishing_now_inside_the_window_takes_the_reason(db, drafted, make_user, login, client):
    record, _officer, admin = drafted(window_open=True)
    with pytest.raises(InvalidInput):
        approve_record(record, admin, publish_now=True, reason=" ")
    login(admin)
    missing = client.post(f"/records/{record.id}/approve", data={"publish_now": "1", "reason": ""})
    assert missing.status_code == 422
    assert "A reason is required" in missing.get_data(as_text=True)
    db.session.expire_all()
    record = db.session.get(IntegrityRecord, record.id)
    assert record.status == RecordStatus.draft and record.draft_stage == DraftStage.submitted
    response = client.post(
        f"/records/{record.id}/approve", data={"publish_now": "1", "reason": EARLY}
    )
    assert response.status_code == 302
    db.session.expire_all()
    record = db.session.get(IntegrityRecord, record.id)
    assert record.status == RecordStatus.active and record.early_reason == EARLY
    assert record.versions[0].reason == EARLY
    assert (record.approval_log[-1]["step"], record.approval_log[-1]["reason"]) == (
        "published_early",
        EARLY,
    )
    assert audit_actions(record)[-1] == "record.publish_early"
    page = client.get(f"/records/{record.id}").get_data(as_text=True)
    assert 'data-testid="published-early"' in page and EARLY in page
    client.post("/logout")
    # The reason is the deciding agency's: another agency reads the record without it.
    login(make_user("JS", roles=("supervisor",)))
    other = client.get(f"/records/{record.id}").get_data(as_text=True)
    assert EARLY not in other and 'data-testid="approval-log"' not in other


def test_a_held_record_can_still_be_published_now_or_returned(db, drafted):
    record, _officer, admin = drafted(window_open=True)
    assert approve_record(record, admin) is None
    publication = approve_record(record, admin, publish_now=True, reason=EARLY)
    assert publication is not None and record.status == RecordStatus.active

    other, _officer, admin = drafted(window_open=True)
    approve_record(other, admin)
    return_record(other, admin, REASON)
    assert other.draft_stage == DraftStage.returned and other.publish_on is None
    with as_of(other.case.review_request_due + dt.timedelta(days=1)):
        assert publish_held_records() == []


# --- a review that changes the decision -----------------------------------------------


def _published(drafted) -> tuple[IntegrityRecord, object, object]:
    record, officer, admin = drafted()
    approve_record(record, admin)
    return record, officer, admin


def test_a_modified_decision_is_a_to_do_to_amend_prefilled_from_it(db, drafted, login, client):
    record, _officer, admin = _published(drafted)
    case = record.case
    party = record.party
    new_end = case.sanctions[0].start_date + dt.timedelta(days=365)
    review(
        case,
        "modified",
        sanctions=[
            {
                "party_id": party.id,
                "sanction_type": SanctionType.ban_state_funded_activity,
                "start_date": case.sanctions[0].start_date.isoformat(),
                "end_date": new_end.isoformat(),
            }
        ],
    )
    db.session.commit()
    (todo,) = notifications_of(admin, "record.amend_due")
    assert todo.done_at is None and todo.link["values"] == {"record_id": record.id}
    assert "record.review_changed" in audit_actions(record)
    login(admin)
    form_page = client.get(f"/records/{record.id}/amend").get_data(as_text=True)
    assert f'value="{new_end.isoformat()}"' in form_page  # the new term, not the old
    assert case.decision_text in form_page  # the modified decision's text
    amend_record(
        record, admin, _from_form(record, term_end=new_end, outcome=case.decision_text), "复查缩短"
    )
    db.session.commit()
    assert notifications_of(admin, "record.amend_due")[0].done_at is not None
    page = client.get(f"/records/{record.id}").get_data(as_text=True)
    versions = page[page.index('data-testid="versions"') :]
    assert versions.count('data-testid="version-superseded"') == 1
    assert versions.count('data-testid="version-current"') == 1
    assert "Superseded" in versions


def _from_form(record, **changes):
    data = terms_of(record)
    for key, value in changes.items():
        setattr(data, key, value)
    return data


def test_superseded_reads_in_chinese_and_in_the_api(db, drafted, make_user, login, client):
    record, _officer, admin = _published(drafted)
    review(record.case, "modified")
    amend_record(record, admin, _from_form(record, conduct="复查后变更"), "复查变更")
    db.session.commit()
    checker = make_user("JS", roles=("officer",))
    login(checker)
    page = client.get(f"/records/{record.id}").get_data(as_text=True)
    assert "已被取代" in page
    from app.auth.services import create_token

    token = create_token(checker, "check")
    response = client.get(
        "/api/v1/integrity-check",
        query_string={"name": "张伟", "id_type": "resident_id", "id_number": "31010119800101123X"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    (found,) = response.get_json()["records"]
    assert [(v["version"], v["superseded"]) for v in found["versions"]] == [(1, True), (2, False)]
    assert all("+08:00" in v["stored_at"] for v in found["versions"])


def test_an_overturned_decision_is_a_to_do_to_revoke(db, drafted):
    record, _officer, admin = _published(drafted)
    review(record.case, "overturned")
    db.session.commit()
    assert not notifications_of(admin, "record.amend_due")
    (todo,) = notifications_of(admin, "record.revoke_due")
    assert todo.done_at is None
    # Within the working days a revoked decision's record has to leave checks.
    from app.core.calendar import add_working_days, today
    from app.notifications.handoffs import render
    from app.records import policy

    due = add_working_days(today(), policy.REPAIR_LEAVE_DAYS).isoformat()
    assert render(todo, "en").endswith(f"by {due}.") and due in render(todo, "zh")
    revoke_record(record, admin, "复查撤销原处理决定")
    db.session.commit()
    assert notifications_of(admin, "record.revoke_due")[0].done_at is not None
    assert [v.superseded for v in record.versions] == [True, False]


def test_a_review_that_sets_one_respondent_aside_revokes_their_record_only(
    db, make_case, make_user
):
    case = make_case(
        state=CaseState.decided,
        respondents=[
            RespondentInput(name="王磊", party_type=PartyType.person, institution="东大"),
            RespondentInput(name="陈静", party_type=PartyType.person, institution="东大"),
        ],
    )
    admin = make_user("SH", roles=("agency_admin",))
    first, second = case.respondents
    records = []
    for party in (first, second):
        record = draft_record(case, case.created_by, suggested_draft(case, party))
        approve_record(record, admin)
        records.append(record)
    kept = next(s for s in case.sanctions if s.party_id == first.id)
    review(
        case,
        "modified",
        sanctions=[
            {
                "party_id": first.id,
                "sanction_type": SanctionType.ban_state_funded_activity,
                "start_date": kept.start_date.isoformat(),
                "end_date": (kept.start_date + dt.timedelta(days=400)).isoformat(),
            }
        ],
    )
    db.session.commit()
    amend = notifications_of(admin, "record.amend_due")
    revoke = notifications_of(admin, "record.revoke_due")
    assert [n.link["values"]["record_id"] for n in amend] == [records[0].id]
    assert [n.link["values"]["record_id"] for n in revoke] == [records[1].id]
    # The respondent set aside: their record is revoked; the other's is not.
    revoke_record(records[1], admin, "复查撤销对其的处理")
    with pytest.raises(GuardFailed):
        revoke_record(records[0], admin, "不应撤销")
    assert records[1].status == RecordStatus.revoked and records[0].status == RecordStatus.active


def test_a_draft_whose_decision_a_review_changed_goes_back_to_the_officer(
    db, drafted, login, client
):
    record, officer, admin = drafted(window_open=True)
    approve_record(record, admin)  # held
    review(record.case, "modified", sanctions=[])
    db.session.commit()
    assert record.draft_stage == DraftStage.returned and record.publish_on is None
    assert record.approval_log[-1]["step"] == "review_changed"
    assert _open(notifications_of(officer, "record.returned"))
    with as_of(record.case.review_request_due + dt.timedelta(days=30)):
        assert publish_held_records() == []
    login(officer)
    form_page = client.get(f"/records/{record.id}/revise").get_data(as_text=True)
    assert record.case.decision_text in form_page  # prefilled from the decision in force


def test_upheld_on_review_changes_nothing(db, drafted):
    record, _officer, admin = _published(drafted)
    review(record.case, "upheld")
    db.session.commit()
    assert not notifications_of(admin, "record.amend_due") and not notifications_of(
        admin, "record.revoke_due"
    )
    assert "record.review_changed" not in audit_actions(record)


def test_returned_and_held_records_do_not_leak_to_other_agencies(
    db, drafted, make_user, login, client
):
    returned, _officer, admin = drafted()
    return_record(returned, admin, REASON)
    held, _officer, admin = drafted(window_open=True)
    approve_record(held, admin)
    db.session.commit()
    for roles in (("supervisor",), ("agency_admin",), ("officer",)):
        user = make_user("JS", roles=roles)
        login(user)
        listing = client.get("/records").get_data(as_text=True)
        assert f"/records/{returned.id}" not in listing and f"/records/{held.id}" not in listing
        for record in (returned, held):
            assert client.get(f"/records/{record.id}").status_code == 404
            assert client.post(f"/records/{record.id}/approve").status_code == 404
        if user.has_role("officer"):
            found = client.post(
                "/integrity-check",
                data={"name": "张伟", "id_type": "resident_id", "id_number": "31010119800101123X"},
            ).get_data(as_text=True)
            assert f"/records/{held.id}" not in found and REASON not in found
        assert not notifications_of(user)  # told nothing of another agency's drafts
        client.post("/logout")
