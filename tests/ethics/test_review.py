"""The committee's review: declarations before the material, recusal, the count (two-thirds
or more of those present, at its edges), consultants never vote, refusals of a vote before
declaring, twice or after the close, and the simplified and emergency procedures."""

from __future__ import annotations

import pytest

from app.core.errors import GuardFailed, InvalidInput, NotAllowed
from app.ethics import permissions as perm
from app.ethics import reviewing
from app.ethics.models import AppState, Procedure
from tests.ethics.conftest import accepted


def _meeting(world, application, choices: list[str], decision="approve_modified"):
    """Everyone declares no conflict; the first len(choices) members attend and vote."""
    reviewing.propose(world.office, application, decision)
    present = []
    for user, choice in zip(world.members, choices, strict=False):
        reviewing.declare(user, application, False)
        reviewing.vote(user, application, choice)
        present.append(reviewing.member_of(application, user).id)
    reviewing.record_attendance(world.office, application, present)


@pytest.mark.parametrize(
    ("choices", "decides"),
    [
        (["endorse"] * 4 + ["return"] * 2, True),  # 4 of 6: exactly two-thirds (以上)
        (["endorse"] * 3 + ["return"] * 3, False),
        (["endorse"] * 3 + ["return"] * 2, False),  # 3 of 5 is below two-thirds
        (["endorse"] * 4 + ["abstain"], True),  # 4 of 5
        (["endorse"] * 4, False),  # 4 present: no quorum of 5
    ],
    ids=["4of6", "3of6", "3of5", "4of5", "no-quorum"],
)
def test_two_thirds_of_those_present_at_its_edges(world, choices, decides):
    application = accepted(world)
    _meeting(world, application, choices)
    if decides:
        reviewing.close_review(world.office, application, "风险可控，修改知情同意书后批准")
        assert application.state is AppState.decided
        assert application.decision == "approve_modified"
    else:
        with pytest.raises(GuardFailed) as err:
            reviewing.close_review(world.office, application, "理由")
        assert err.value.code in ("no_majority", "no_quorum")
        assert application.state is AppState.accepted


def test_those_present_must_cover_the_categories(world):
    application = accepted(world)
    reviewing.propose(world.office, application, "approve")
    present = []
    for user in [world.members[i] for i in (0, 1, 2, 4, 5)]:  # no outside member
        reviewing.declare(user, application, False)
        reviewing.vote(user, application, "endorse")
        present.append(reviewing.member_of(application, user).id)
    reviewing.record_attendance(world.office, application, present)
    with pytest.raises(GuardFailed) as err:
        reviewing.close_review(world.office, application, "理由")
    assert err.value.code == "categories_absent"


def test_declaration_before_material_and_recusal_removes_it(world):
    application = accepted(world)
    member = world.members[1]
    assert perm.level_of(member, application.id) == perm.SUMMARY
    reviewing.declare(member, application, False)
    assert perm.level_of(member, application.id) == perm.FULL
    recused = world.members[2]
    with pytest.raises(InvalidInput):  # a conflict says what it is
        reviewing.declare(recused, application, True, "")
    reviewing.declare(recused, application, True, "申请人是我的学生")
    assert perm.level_of(recused, application.id) == perm.SUMMARY
    reviewing.recuse(world.office, application, reviewing.member_of(application, member).id, "亲属")
    assert perm.level_of(member, application.id) == perm.SUMMARY


def test_vote_refusals(world):
    application = accepted(world)
    member = world.members[0]
    with pytest.raises(InvalidInput):
        reviewing.propose(world.office, application, "approve_with_love")
    reviewing.propose(world.office, application, "approve")
    with pytest.raises(GuardFailed) as err:
        reviewing.vote(member, application, "endorse")
    assert err.value.code == "not_declared"
    reviewing.declare(member, application, False)
    with pytest.raises(GuardFailed):
        reviewing.declare(member, application, False)  # declared once
    reviewing.vote(member, application, "endorse")
    with pytest.raises(GuardFailed) as err:
        reviewing.vote(member, application, "endorse")
    assert err.value.code == "voted"
    reviewing.declare(world.consultant, application, False)
    with pytest.raises(GuardFailed) as err:
        reviewing.vote(world.consultant, application, "endorse")
    assert err.value.code == "consultant"
    with pytest.raises(NotAllowed):
        reviewing.vote(world.applicant, application, "endorse")


def test_no_vote_after_the_close(world):
    application = accepted(world)
    _meeting(world, application, ["endorse"] * 5)
    reviewing.close_review(world.office, application, "同意")
    with pytest.raises(GuardFailed) as err:
        reviewing.vote(world.members[5], application, "endorse")
    assert err.value.code == "review_closed"
    other = accepted(world)
    reviewing.propose(world.office, other, "approve")
    with pytest.raises(InvalidInput):  # reasons are required
        reviewing.close_review(world.office, other, "")


def test_simplified_named_members_decide_or_send_it_to_a_meeting(world):
    seats = sorted(s.id for s in world.panel.seats if s.role.value != "consultant")[:2]
    with pytest.raises(InvalidInput):
        accepted(world, "simplified", seats[:1])  # the policy's 2 members
    application = accepted(world, "simplified", seats)
    named = [m for m in reviewing.members_of(application) if m.named]
    assert len(named) == 2 and len(reviewing.members_of(application)) == 2
    reviewing.propose(world.office, application, "approve")
    first = world.members[0]
    reviewing.declare(first, application, False)
    reviewing.vote(first, application, "endorse")
    with pytest.raises(GuardFailed):
        reviewing.close_review(world.office, application, "同意")
    with pytest.raises(NotAllowed):  # not a named member
        reviewing.send_to_meeting(world.members[5], application, "复杂")
    second = world.members[1]
    reviewing.send_to_meeting(second, application, "风险较高，需会议审查")
    assert application.procedure is Procedure.general
    assert len(reviewing.members_of(application)) == 8


def test_simplified_decides_when_every_named_member_agrees(world):
    seats = sorted(s.id for s in world.panel.seats if s.role.value != "consultant")[:2]
    application = accepted(world, "simplified", seats)
    reviewing.propose(world.office, application, "approve")
    for user in world.members[:2]:
        reviewing.declare(user, application, False)
        reviewing.vote(user, application, "endorse")
    reviewing.close_review(world.office, application, "风险低")
    assert application.state is AppState.decided and application.tally["agreed"]


def test_extension_needs_a_reason_and_a_later_date_and_appeals_are_recorded(world):
    import datetime as dt

    from app.ethics import appeals

    application = accepted(world)
    due = application.decision_due
    with pytest.raises(InvalidInput) as err:
        appeals.extend_decision(world.office, application, due.isoformat(), "")
    assert set(err.value.problems) == {"new_date", "reason"}
    later = due + dt.timedelta(days=15)
    appeals.extend_decision(world.office, application, later.isoformat(), "需补充专家意见")
    assert application.decision_due == later
    with pytest.raises(GuardFailed):  # nothing decided yet
        appeals.lodge_appeal(world.applicant, application, "不服")
    _meeting(world, application, ["endorse"] * 5, decision="disapprove")
    reviewing.close_review(world.office, application, "风险不可控")
    with pytest.raises(NotAllowed):
        appeals.lodge_appeal(world.other_applicant, application, "不服")
    appeals.lodge_appeal(world.applicant, application, "已补充风险控制措施")
    with pytest.raises(GuardFailed):
        appeals.lodge_appeal(world.applicant, application, "再次申诉")
    answered = appeals.answer_appeal(world.office, application, False, "维持原决定")
    assert answered.state.value == "dismissed" and answered.answer == "维持原决定"
