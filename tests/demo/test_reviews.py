"""The demo shows the committee's whole cast: a consultant seated on each panel and taking
part in reviews without a vote, and review packages that carry internal material the case
team marked for the panel."""

from __future__ import annotations

from sqlalchemy import select

from app.cases.models import CaseState
from app.committees.models import Review, ReviewStatus
from app.committees.package import review_package
from app.committees.rules import SeatRole


def test_demo_reviews_have_a_consultant_and_a_marked_internal_note(app, db, monkeypatch):
    from app.demo import data
    from app.demo.loader import load_demo

    spread = {CaseState.committee_review: 2, CaseState.pre_decision_notice: 2}
    monkeypatch.setattr(data, "STATE_SPREAD", spread)
    assert load_demo() == 4
    reviews = db.session.scalars(select(Review).order_by(Review.id)).all()
    assert len(reviews) == 4
    for review in reviews:
        consultants = [m for m in review.members if m.role is SeatRole.consultant]
        assert len(consultants) == 1, review.case.reference
        assert consultants[0].choice is None
    closed = [r for r in reviews if r.status is ReviewStatus.closed]
    assert closed
    for review in closed:  # everyone not recused attended; the consultant is not counted
        voters = [m for m in review.members if m.role is not SeatRole.consultant]
        assert review.tally["present"] == sum(1 for m in voters if not m.recused)
    assert all(next(m for m in r.members if m.role is SeatRole.consultant).opinion for r in closed)
    open_reviews = [r for r in reviews if r.status is ReviewStatus.open]
    assert open_reviews
    for review in open_reviews:
        notes = review_package(review)["notes"]
        assert any(n["internal"] and n["title"] == "调查组内部研判意见" for n in notes)
