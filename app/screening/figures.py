"""The screening figures (screenings run and applicants screened, clear or with a record),
registered in the statistics like any other feature's, by the agency that screened."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.screening.models import Screening, ScreeningStatus

OUTCOME_LABELS = {
    "clear": _l("Clear"),
    "record": _l("Record in force"),
    "objection": _l("Under objection"),
}


def _finished(q, *columns):
    stmt = (
        select(Screening.agency_id, *columns)
        .where(Screening.status == ScreeningStatus.finished, *q.at_in_period(Screening.finished_at))
        .group_by(Screening.agency_id)
    )
    if q.agency_ids is not None:
        stmt = stmt.where(Screening.agency_id.in_(q.agency_ids))
    return db.session.execute(stmt)


def screenings(q):
    return [("screenings", a, n) for a, n in _finished(q, func.count())]


def screened(q):
    """Applicants screened in the period, by outcome (rows that could not be read aside)."""
    out = []
    columns = (
        func.sum(Screening.rows_clear),
        func.sum(Screening.rows_record),
        func.sum(Screening.rows_objection),
    )
    for agency_id, clear, record, objection in _finished(q, *columns):
        out += [("clear", agency_id, clear), ("record", agency_id, record)]
        out.append(("objection", agency_id, objection))
    return out


def register_screening_figures() -> None:
    from app.statistics import Figure, register_figure

    register_figure(
        Figure(
            "screenings",
            110,
            _l("Batch screenings"),
            _l("Applicant lists screened by the agency's programme offices in the period."),
            screenings,
            row_label=lambda key: str(_l("Screenings")),
            chart="none",
        )
    )
    register_figure(
        Figure(
            "screened",
            111,
            _l("Applicants screened and hits"),
            _l(
                "Applicants of the lists screened in the period: clear, or with a record in force"
                " (a hit), or with one under objection."
            ),
            screened,
            row_label=lambda key: str(OUTCOME_LABELS.get(key, key)),
            fixed_rows=lambda: list(OUTCOME_LABELS),
        )
    )
