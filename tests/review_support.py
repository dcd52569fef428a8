"""Referring a case to a panel, as the committee tests do it: the officer's step through the
workflow, returning the review it opened."""

from __future__ import annotations

from sqlalchemy import select

from app.cases.workflow import perform
from app.committees.models import Review
from app.extensions import db


def refer(case, officer, panel, questions: str = "认定是否成立？", **params) -> Review:
    perform(
        case,
        officer,
        "refer_to_committee",
        expected_version=None,
        panel_id=panel.id,
        questions=questions,
        **params,
    )
    return db.session.scalar(select(Review).where(Review.case_id == case.id))
