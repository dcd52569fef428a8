"""Figures of the online reports, registered with the statistics like any feature's: reports
received online in the period, those accepted (registered or added to a case) and not
accepted in the period, and the median days from submission to acceptance."""

from __future__ import annotations

import statistics

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.reporting.models import Report, ReportState
from app.statistics import Figure, register_figure
from app.statistics.figures import TOTAL
from app.statistics.sql import FigureQuery

ROWS = ["received", "accepted", "not_accepted", "median_days"]
LABELS = {
    "received": _l("Reports received online"),
    "accepted": _l("Accepted (registered or added to a case)"),
    "not_accepted": _l("Not accepted"),
    "median_days": _l("Median days from submission to acceptance"),
}
ACCEPTED = (ReportState.registered, ReportState.attached)


def _of(q: FigureQuery) -> list:
    return [] if q.agency_ids is None else [Report.agency_id.in_(q.agency_ids)]


def _days(submitted, decided) -> float:
    from app.reporting.services import _aware

    return (_aware(decided) - _aware(submitted)).total_seconds() / 86400


def online_reports(q: FigureQuery):
    received = (
        select(Report.agency_id, func.count())
        .where(*_of(q), *q.at_in_period(Report.submitted_at))
        .group_by(Report.agency_id)
    )
    out = [("received", a, n) for a, n in db.session.execute(received)]
    decided = db.session.execute(
        select(Report.agency_id, Report.state, Report.submitted_at, Report.decided_at).where(
            *_of(q),
            Report.state != ReportState.received,
            *q.at_in_period(Report.decided_at),
        )
    ).all()
    counts: dict = {}
    waits: dict = {}
    for agency_id, state, submitted, at in decided:
        row = "accepted" if state in ACCEPTED else "not_accepted"
        counts[(row, agency_id)] = counts.get((row, agency_id), 0) + 1
        if row == "accepted":
            waits.setdefault(agency_id, []).append(_days(submitted, at))
    out += [(row, a, n) for (row, a), n in counts.items()]
    for agency_id, days in waits.items():
        out.append(("median_days", agency_id, round(statistics.median(days), 1)))
    every = [d for days in waits.values() for d in days]
    out.append(("median_days", TOTAL, round(statistics.median(every), 1) if every else None))
    return out


def _label(key: str) -> str:
    return str(LABELS.get(key, key))


def register_report_figures() -> None:
    register_figure(
        Figure(
            "online_reports",
            97,
            _l("Online reports"),
            _l(
                "Reports received through the portal in the period, those decided in the"
                " period, and the median days from submission to acceptance."
            ),
            online_reports,
            row_label=_label,
            chart="none",
            fixed_rows=lambda: list(ROWS),
            row_kinds={"median_days": "days"},
            basis={"median_days": "accepted"},
        )
    )
