"""Attendance and the close wait for the meeting's day: refused before it with why, nothing
changed; accepted on it."""

from __future__ import annotations

import datetime as dt

import pytest

from app.cases.models import CaseState
from app.committees.models import ReviewStatus
from app.committees.reviews import close_review, record_meeting
from app.core.calendar import today
from app.core.errors import GuardFailed
from tests.committees.test_reviews import all_present, case_review, chair_of, everyone_votes
from tests.ui_helpers import sign_in, text


@pytest.fixture
def review(db, make_case):
    found = case_review(make_case(state=CaseState.committee_review))
    everyone_votes(found)
    found.meeting_date = today() + dt.timedelta(days=7)
    db.session.commit()
    return found


def test_attendance_and_closing_are_refused_before_the_meeting(db, review):
    chair = chair_of(review)
    with pytest.raises(GuardFailed, match="审议会议定于") as refused:
        record_meeting(chair, review, all_present(review), "纪要")
    assert refused.value.code == "meeting_ahead"
    db.session.rollback()
    assert all(m.attendance is None for m in review.members) and review.minutes is None
    with pytest.raises(GuardFailed, match=review.meeting_date.isoformat()):
        close_review(chair, review)
    db.session.rollback()
    assert review.status is ReviewStatus.open


def test_on_the_meetings_day_attendance_and_closing_are_accepted(db, review):
    review.meeting_date = today()
    db.session.commit()
    chair = chair_of(review)
    record_meeting(chair, review, all_present(review), "纪要")
    close_review(chair, review)
    db.session.commit()
    assert review.status is ReviewStatus.closed
    assert review.case.state is CaseState.pre_decision_notice


def test_the_page_tells_the_chair_when_the_meeting_is(client, db, review):
    url = f"/committees/reviews/{review.id}"
    sign_in(client, chair_of(review))
    form = {f"attendance-{m.id}": "present" for m in review.members}
    response = client.post(f"{url}/meeting", data={**form, "minutes": "纪要"})
    assert response.status_code == 409
    assert f"审议会议定于{review.meeting_date.isoformat()}召开" in text(response)
    response = client.post(f"{url}/close", data={})
    assert response.status_code == 409 and "自该日起方可登记出席情况" in text(response)
    db.session.expire_all()
    assert all(m.attendance is None for m in review.members)
    assert review.status is ReviewStatus.open
    review.meeting_date = today()
    db.session.commit()
    assert client.post(f"{url}/meeting", data={**form, "minutes": "纪要"}).status_code == 302
    assert client.post(f"{url}/close", data={}).status_code == 302
