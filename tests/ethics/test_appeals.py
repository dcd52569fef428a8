"""An upheld appeal reopens the review: a new round at a meeting of the committee, a new
clock, the closed round kept (decision, reasons, letter, each member's part) and its own
letter at the next decision. A dismissed appeal tells the applicant the reasons."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.errors import GuardFailed, InvalidInput, NotAllowed
from app.ethics import appeals, reviewing
from app.ethics.letters import letter_of
from app.ethics.models import AppState, DecisionLetter
from app.extensions import db
from app.notifications.models import Notification
from tests.ethics.conftest import accepted


def _decide(world, application, decision="disapprove", reasons="风险不可控"):
    reviewing.propose(world.office, application, decision)
    present = []
    for user in world.members[:5]:
        reviewing.declare(user, application, False)
        reviewing.vote(user, application, "endorse")
        present.append(reviewing.member_of(application, user).id)
    reviewing.record_attendance(world.office, application, present)
    reviewing.close_review(world.office, application, reasons)


def _told(user, kind) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)
        )
    )


def test_an_upheld_appeal_opens_a_new_round_and_keeps_the_first(world):
    application = accepted(world)
    _decide(world, application)
    first_letter = letter_of(application)
    appeals.lodge_appeal(world.applicant, application, "已补充风险控制措施")
    with pytest.raises(NotAllowed):
        appeals.answer_appeal(world.applicant, application, True, "自己支持自己")
    appeals.answer_appeal(world.office, application, True, "补充材料可能改变结论")
    assert application.state is AppState.accepted and application.decision is None
    assert application.procedure.value == "general"
    kept = appeals.rounds_of(application)
    assert [r.number for r in kept] == [1]
    assert kept[0].decision == "disapprove" and kept[0].decision_reasons == "风险不可控"
    assert kept[0].letter_number == first_letter.number
    assert sum(1 for m in kept[0].members if m["choice"] == "endorse") == 5
    # The new round: everyone declares and votes again.
    assert all(m.declared_at is None for m in reviewing.members_of(application))
    assert len(reviewing.members_of(application)) == 8
    assert _told(world.applicant, "ethics.appeal_upheld")
    _decide(world, application, "approve_modified", "补充后风险可控")
    assert application.state is AppState.decided and application.decision == "approve_modified"
    letters = db.session.scalars(
        select(DecisionLetter).where(DecisionLetter.application_id == application.id)
    ).all()
    assert len(letters) == 2 and letter_of(application).number != first_letter.number


def test_a_dismissed_appeal_tells_the_applicant_the_reasons(world, client):
    from tests.ui_helpers import sign_in

    application = accepted(world)
    _decide(world, application)
    appeals.lodge_appeal(world.applicant, application, "不服")
    with pytest.raises(InvalidInput):  # the reasons are required
        appeals.answer_appeal(world.office, application, False, "  ")
    appeals.answer_appeal(world.office, application, False, "补充材料未改变风险评估")
    assert application.state is AppState.decided and appeals.rounds_of(application) == []
    (note,) = _told(world.applicant, "ethics.appeal_dismissed")
    assert "补充材料未改变风险评估" in note.text
    with pytest.raises(GuardFailed):
        appeals.answer_appeal(world.office, application, False, "再答")
    db.session.flush()
    sign_in(client, world.applicant)
    page = client.get(f"/ethics/{application.reference}").get_data(as_text=True)
    assert "补充材料未改变风险评估" in page
