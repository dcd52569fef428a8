"""Listings of reviews: the open review of a case, the panels a case may go to, and a
member's reviews sorted into what waits for them."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import User
from app.cases.models import Case
from app.committees.models import Expert, Panel, PanelSeat, Review, ReviewMember, ReviewStatus
from app.committees.permissions import is_chair, is_consultant
from app.core.calendar import today
from app.extensions import db


def open_review_of(case: Case) -> Review | None:
    return db.session.scalar(
        select(Review).where(Review.case_id == case.id, Review.status == ReviewStatus.open)
    )


def referral_panels(case: Case) -> list[Panel]:
    """The panels the case's agency may refer to (the form lists them all; the step refuses
    one that breaks its rules, naming the rule)."""
    return list(
        db.session.scalars(
            select(Panel)
            .where(Panel.agency_id == case.agency_id, Panel.active.is_(True))
            .order_by(Panel.id)
        )
    )


def my_reviews(user: User) -> list[tuple[Review, ReviewMember]]:
    """The user's reviews, newest first, with their own part in each."""
    rows = db.session.execute(
        select(Review, ReviewMember)
        .join(ReviewMember, ReviewMember.review_id == Review.id)
        .join(PanelSeat, PanelSeat.id == ReviewMember.seat_id)
        .join(Expert, Expert.id == PanelSeat.expert_id)
        .where(Expert.user_id == user.id)
        .order_by(Review.referred_at.desc(), Review.id.desc())
    ).all()
    return [(review, member) for review, member in rows]


def inbox(user: User, rows=None) -> dict[str, list]:
    """To declare, to vote (a consultant's: to advise), decided — a recused member's reviews
    are left out. `rows` are the user's `my_reviews`, when the caller has them already."""
    boxes: dict[str, list] = {"declare": [], "vote": [], "advise": [], "decided": []}
    for review, member in my_reviews(user) if rows is None else rows:
        if member.recused:
            continue
        if review.status is ReviewStatus.closed:
            boxes["decided"].append((review, member))
        elif member.declared_at is None:
            boxes["declare"].append((review, member))
        else:
            boxes["advise" if is_consultant(member) else "vote"].append((review, member))
    return boxes


def lapsed_reviews_chaired(user: User, rows=None) -> list[Review]:
    """Open reviews past their deadline that the user chairs (their dashboard lists them)."""
    return [
        review
        for review, _member in (my_reviews(user) if rows is None else rows)
        if review.status is ReviewStatus.open
        and review.deadline < today()
        and is_chair(review, user)
    ]
