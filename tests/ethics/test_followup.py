"""Follow-up of an approved activity: interval at most the policy's months, reports move the
next due date, a terminated activity takes no more reports, overdue ones are on the office's
queue."""

from __future__ import annotations

import datetime as dt

import pytest

from app.core.errors import GuardFailed, InvalidInput, NotAllowed
from app.ethics import followup, reviewing
from tests.ethics.conftest import accepted


def _approved(world):
    application = accepted(world)
    reviewing.propose(world.office, application, "approve")
    present = []
    for user in world.members[:5]:
        reviewing.declare(user, application, False)
        reviewing.vote(user, application, "endorse")
        present.append(reviewing.member_of(application, user).id)
    reviewing.record_attendance(world.office, application, present)
    reviewing.close_review(world.office, application, "同意")
    return application


def test_followup_interval_reports_overdue_and_termination(db, world):
    application = _approved(world)
    assert application.activity == "active" and application.followup_months == 12
    with pytest.raises(InvalidInput):
        followup.set_interval(world.office, application, 13)  # at most 12 months
    followup.set_interval(world.office, application, 6)
    with pytest.raises(NotAllowed):
        followup.file_followup(world.other_applicant, application, "report", "进展")
    application.followup_due = dt.date(2020, 1, 1)
    db.session.flush()
    assert application in followup.overdue_for_office(world.office)
    followup.file_followup(world.applicant, application, "report", "年度进展报告")
    assert application.followup_due > dt.date.today()
    assert application not in followup.overdue_for_office(world.office)
    followup.file_followup(world.applicant, application, "event", "一例严重不良事件")
    followup.stop_activity(world.office, application, True, "严重不良事件，终止研究")
    with pytest.raises(GuardFailed) as err:
        followup.file_followup(world.applicant, application, "report", "继续报告")
    assert err.value.code == "terminated"
    kinds = [f.kind for f in followup.followups_of(application)]
    assert kinds == ["report", "event", "terminate"]
