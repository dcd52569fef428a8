"""The committee section of a case dossier: each review with its panel, declarations,
recusals, attendance, the count against the rule, votes, opinions and minutes. Members
appear by name and category only, at either level."""

from __future__ import annotations

from app.committees.package import case_reviews, review_record


def load_committee(ctx) -> list[dict]:
    return [review_record(review) for review in case_reviews(ctx.case)]
