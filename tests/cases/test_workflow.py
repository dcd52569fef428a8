import datetime as dt

import pytest
from sqlalchemy import func, select

from app.cases.models import CaseState, HistoryEntry, TeamRole
from app.cases.services import assign_member, extend_investigation
from app.cases.workflow import perform
from app.core.audit import verify_chain
from app.core.errors import (
    GuardFailed,
    IllegalTransition,
    InvalidInput,
    NotAllowed,
    StaleVersion,
)
from app.protection.conflicts import declare_conflicts


def history_count(db, case):
    return db.session.scalar(
        select(func.count()).select_from(HistoryEntry).where(HistoryEntry.case_id == case.id)
    )


# `transferred` only marks cases transferred before a transfer needed the receiver's
# acceptance; an accepted transfer now moves the case and restarts it at `received`.
@pytest.mark.parametrize("state", [s for s in CaseState if s != CaseState.transferred])
def test_every_state_is_reachable_through_the_services(make_case, state):
    case = make_case(state=state)
    assert case.state == state
    assert case.history[-1].to_state == state


def test_reference_numbers_follow_agency_and_year(make_case):
    first = make_case(agency="SH")
    second = make_case(agency="SH")
    other = make_case(agency="JS")
    assert first.reference.startswith("SH-2026-")
    assert int(second.reference[-6:]) == int(first.reference[-6:]) + 1
    assert other.reference.startswith("JS-2026-")


def test_open_investigation_needs_two_investigators(db, make_case, make_user):
    case = make_case(state=CaseState.preliminary_review)
    supervisor = make_user("SH", roles=("supervisor",))
    before = history_count(db, case)
    with pytest.raises(GuardFailed):
        perform(
            case, supervisor, "open_investigation", expected_version=case.version, reason="线索具体"
        )
    assert case.state == CaseState.preliminary_review
    assert history_count(db, case) == before
    lead = make_user("SH", roles=("officer",))
    declare_conflicts(case, lead, [])
    assign_member(case, lead, TeamRole.lead, supervisor)
    with pytest.raises(GuardFailed):
        perform(
            case, supervisor, "open_investigation", expected_version=case.version, reason="线索具体"
        )
    second = make_user("SH", roles=("officer",))
    declare_conflicts(case, second, [])
    assign_member(case, second, TeamRole.investigator, supervisor)
    perform(
        case, supervisor, "open_investigation", expected_version=case.version, reason="线索具体"
    )
    assert case.state == CaseState.investigating
    assert case.investigation_due is not None


def test_wrong_role_wrong_state_missing_reason_and_stale_version_change_nothing(
    db, make_case, make_user
):
    case = make_case(state=CaseState.preliminary_review)
    officer = make_user("SH", roles=("officer",))
    supervisor = make_user("SH", roles=("supervisor",))
    version = case.version
    with pytest.raises(NotAllowed):
        perform(case, officer, "not_accept", expected_version=version, reason="不属管辖")
    with pytest.raises(InvalidInput):
        perform(case, supervisor, "not_accept", expected_version=version, reason="  ")
    with pytest.raises(IllegalTransition):
        perform(case, supervisor, "close_case", expected_version=version)
    with pytest.raises(StaleVersion):
        perform(case, supervisor, "not_accept", expected_version=version - 1, reason="x")
    other_agency_supervisor = make_user("JS", roles=("supervisor",))
    with pytest.raises(NotAllowed):
        perform(case, other_agency_supervisor, "not_accept", expected_version=version, reason="x")
    assert case.state == CaseState.preliminary_review
    assert case.version == version


def test_decision_waits_for_the_defence_window(db, make_case, make_user):
    case = make_case(state=CaseState.pre_decision_notice)
    supervisor = make_user("SH", roles=("supervisor",))
    case.defence_received_on = None
    case.notice_served_on = dt.date.today()
    case.defence_due = dt.date.today() + dt.timedelta(days=14)
    db.session.flush()
    with pytest.raises(GuardFailed):
        perform(
            case,
            supervisor,
            "issue_decision",
            expected_version=case.version,
            decision_text="处理决定",
            sanctions=[
                {"party_id": case.respondents[0].id, "sanction_type": "notice_of_criticism"}
            ],
        )
    assert case.state == CaseState.pre_decision_notice


def test_extension_only_once_and_within_policy(db, make_case, make_user):
    case = make_case(state=CaseState.investigating)
    supervisor = make_user("SH", roles=("supervisor",))
    due = case.investigation_due
    with pytest.raises(InvalidInput):
        extend_investigation(case, 7, "需要补充调查", supervisor)
    extend_investigation(case, 6, "需要补充调查", supervisor)
    assert case.investigation_due > due
    with pytest.raises(GuardFailed):
        extend_investigation(case, 1, "再次延期", supervisor)


def test_transitions_are_audited_and_the_chain_verifies(db, make_case):
    make_case(state=CaseState.closed)
    ok, checked, _bad, why = verify_chain()
    assert ok, why
    assert checked > 10
