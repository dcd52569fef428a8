"""An application's review members are committees' own review members (declaration,
recusal, attendance, vote) kept under the ethics subject: no copy of them in ethics, and
committees treat them as they treat a case's review (a seat on an open one cannot end)."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select

from app.committees.models import ConflictKind, ReviewMember
from app.committees.rules import Attendance
from app.committees.services import end_seat
from app.committees.subjects import review_subject
from app.core.errors import GuardFailed
from app.ethics import reviewing
from app.extensions import db
from tests.ethics.conftest import accepted


def test_members_are_committee_review_members_under_the_ethics_subject(world):
    application = accepted(world)
    reviewing.declare(world.members[1], application, False)
    reviewing.declare(world.members[2], application, True, "申请人是我的学生")
    rows = db.session.scalars(
        select(ReviewMember).where(
            ReviewMember.subject == reviewing.SUBJECT, ReviewMember.subject_id == application.id
        )
    ).all()
    assert len(rows) == 8 and all(r.review_id is None for r in rows)
    recused = reviewing.member_of(application, world.members[2])
    assert recused.recused and recused.conflict is ConflictKind.other
    assert recused.recused_by_id == world.members[2].id
    assert recused.attendance is Attendance.recused
    assert "ethics_review_members" not in inspect(db.session.connection()).get_table_names()
    assert review_subject(reviewing.SUBJECT).kind == reviewing.SUBJECT


def test_a_seat_on_an_open_ethics_review_cannot_end(world):
    application = accepted(world)
    seat = reviewing.member_of(application, world.members[3]).seat
    with pytest.raises(GuardFailed):
        end_seat(world.admin, seat)
    assert seat.status.value == "active"


def test_the_review_closes_with_the_committees_count(world):
    application = accepted(world)
    reviewing.propose(world.office, application, "approve")
    present = []
    for user in world.members[:5]:
        reviewing.declare(user, application, False)
        reviewing.vote(user, application, "endorse")
        present.append(reviewing.member_of(application, user).id)
    reviewing.record_attendance(world.office, application, present)
    reviewing.close_review(world.office, application, "同意")
    assert application.tally == {"present": 5, "for": 5, "against": 0, "abstain": 0}
    seat = reviewing.member_of(application, world.members[3]).seat
    end_seat(world.admin, seat)  # the review is over: the seat may end
    assert seat.status.value == "ended"
