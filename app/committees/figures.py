"""The committees' figures, registered with the statistics like any feature's: reviews
referred in the period, reviews closed by outcome, and the median days from referral to
closing. Counted under the agency whose panel reviewed."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.committees.models import Panel, Review, ReviewStatus
from app.committees.rules import Outcome
from app.extensions import db
from app.statistics import Figure, register_figure
from app.statistics.sql import FigureQuery, medians

ROWS = ["referred", "closed", Outcome.endorse.value, Outcome.return_.value, "median_days"]
LABELS = {
    "referred": _l("Reviews referred"),
    "closed": _l("Reviews closed"),
    Outcome.endorse.value: _l("Closed: findings endorsed"),
    Outcome.return_.value: _l("Closed: case returned"),
    "median_days": _l("Median days from referral to closing"),
}


def _agency_clauses(q: FigureQuery) -> list:
    clauses = [Panel.id == Review.panel_id]
    if q.agency_ids is not None:
        clauses.append(Panel.agency_id.in_(q.agency_ids))
    return clauses


def reviews(q: FigureQuery):
    where = _agency_clauses(q)
    referred = select(Panel.agency_id, func.count()).where(
        *where, *q.at_in_period(Review.referred_at)
    )
    out = [("referred", a, n) for a, n in db.session.execute(referred.group_by(Panel.agency_id))]
    closed = [*where, Review.status == ReviewStatus.closed, *q.at_in_period(Review.closed_at)]
    by_outcome = db.session.execute(
        select(Review.outcome, Panel.agency_id, func.count())
        .where(*closed)
        .group_by(Review.outcome, Panel.agency_id)
    ).all()
    totals: dict[int, int] = {}
    for outcome, agency_id, n in by_outcome:
        if outcome is not None:
            out.append((Outcome(outcome).value, agency_id, n))
        totals[agency_id] = totals.get(agency_id, 0) + n
    out += [("closed", a, n) for a, n in totals.items()]
    days = q.days(q.local_date(Review.closed_at), q.local_date(Review.referred_at))
    found = medians(q, Panel.agency_id, days, *closed)
    out += [("median_days", a, v) for a, v in found.items()]
    return out


def register_committee_figures() -> None:
    register_figure(
        Figure(
            "committee_reviews",
            85,
            _l("Committee reviews"),
            _l(
                "Cases referred to a committee in the period, reviews closed in the period"
                " by outcome, and the median days a closed review took."
            ),
            reviews,
            row_label=lambda key: str(LABELS.get(key, key)),
            fixed_rows=lambda: list(ROWS),
            row_kinds={"median_days": "days"},
            basis={"median_days": "closed"},
            parts={"closed": (Outcome.endorse.value, Outcome.return_.value)},
        )
    )
