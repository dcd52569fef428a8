"""The committees' annual reports in the statistics, registered like any feature's figure:
the figures the registered committees filed for the years the period covers, under the
authority each committee is registered with."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.ethics.annual import FIGURE_LABELS
from app.ethics.registry_models import AnnualReport, ReportKind
from app.extensions import db

ROWS = [
    "reports",
    "applications",
    "decided",
    "decided_in_time",
    "decided_late",
    "followups_overdue",
    "rereviews_agreed",
    "rereviews_disagreed",
]
LABELS = {**FIGURE_LABELS, "reports": _l("Annual work reports filed")}


def annual_reports(q):
    """Sums of the filed work reports of the years within the period (counted in Python
    over one row a committee and year)."""
    years = range(q.period.start.year, q.period.end.year + 1)
    query = select(AnnualReport.agency_id, AnnualReport.figures).where(
        AnnualReport.kind == ReportKind.work, AnnualReport.year.in_(list(years))
    )
    if q.agency_ids is not None:
        query = query.where(AnnualReport.agency_id.in_(q.agency_ids))
    totals: dict[tuple[str, int], int] = {}
    for agency_id, figures in db.session.execute(query):
        totals[("reports", agency_id)] = totals.get(("reports", agency_id), 0) + 1
        for row in ROWS[1:]:
            key = (row, agency_id)
            totals[key] = totals.get(key, 0) + int((figures or {}).get(row) or 0)
    return [(row, agency_id, n) for (row, agency_id), n in totals.items()]


def register_annual_figures() -> None:
    from app.statistics import Figure, register_figure

    register_figure(
        Figure(
            "ethics_annual_reports",
            87,
            _l("Ethics committees' annual reports"),
            _l(
                "What the registered ethics committees reported for the years of the period:"
                " applications, decisions and their time against the days allowed,"
                " follow-ups overdue and expert re-reviews."
            ),
            annual_reports,
            row_label=lambda key: str(LABELS.get(key, key)),
            fixed_rows=lambda: list(ROWS),
        )
    )
