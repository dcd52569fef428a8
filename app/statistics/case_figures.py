"""The case figures: received and concluded, by source, type, institution and outcome, time
against deadlines, sanctions. Each query counts in SQL, grouped by the owning agency."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from app.cases.models import (
    Case,
    CaseSource,
    CaseState,
    MisconductType,
    SanctionType,
)
from app.core.calendar import today
from app.core.labels import label
from app.extensions import db
from app.statistics.figures import TOTAL, Figure, register_figure
from app.statistics.models import CaseFacet, CaseSummary
from app.statistics.sql import FigureQuery, medians
from app.statistics.summaries import SEVERITY_RANK

TOP_INSTITUTIONS = 10


def _rows(stmt):
    return [(str(r), a, int(n)) for r, a, n in db.session.execute(stmt).all()]


def _received_in(q: FigureQuery) -> list:
    """The cases received in the period, by their summaries (a narrow, indexed table)."""
    return [*q.summary_clauses(), *q.in_period(CaseSummary.received_date)]


def received(q: FigureQuery):
    month = q.month(CaseSummary.received_date)
    stmt = (
        select(month, CaseSummary.agency_id, func.count())
        .where(*_received_in(q))
        .group_by(month, CaseSummary.agency_id)
    )
    return [(m, TOTAL, 0) for m in q.months()] + _rows(stmt)


def concluded(q: FigureQuery):
    """Cases that first reached a terminal state or a decision in the period, by month
    (China Standard Time dates, from the case summaries)."""
    month = q.month(CaseSummary.concluded_on)
    stmt = (
        select(month, CaseSummary.agency_id, func.count())
        .where(*q.summary_clauses(), *q.in_period(CaseSummary.concluded_on))
        .group_by(month, CaseSummary.agency_id)
    )
    return [(m, TOTAL, 0) for m in q.months()] + _rows(stmt)


def by_source(q: FigureQuery):
    stmt = (
        select(CaseSummary.source, CaseSummary.agency_id, func.count())
        .where(*_received_in(q))
        .group_by(CaseSummary.source, CaseSummary.agency_id)
    )
    return [(r.value, a, n) for r, a, n in db.session.execute(stmt)]


def _facets(q: FigureQuery, kind: str) -> list:
    """The facet rows of a kind of the cases received in the period."""
    return [
        CaseFacet.kind == kind,
        *q.in_period(CaseFacet.received_date),
        *q.scope_clauses(CaseFacet.agency_id, CaseFacet.case_id),
    ]


def by_type(q: FigureQuery):
    stmt = (
        select(CaseFacet.value, CaseFacet.agency_id, func.count())
        .where(*_facets(q, "type"))
        .group_by(CaseFacet.value, CaseFacet.agency_id)
    )
    return [(MisconductType(r).value, a, n) for r, a, n in db.session.execute(stmt)]


def by_institution(q: FigureQuery):
    """The institutions with the most cases received (each case once per institution)."""
    where = _facets(q, "institution")
    top = (
        select(CaseFacet.value)
        .where(*where)
        .group_by(CaseFacet.value)
        .order_by(func.count().desc(), CaseFacet.value)
        .limit(TOP_INSTITUTIONS)
    )
    stmt = (
        select(CaseFacet.value, CaseFacet.agency_id, func.count())
        .where(*where, CaseFacet.value.in_(top))
        .group_by(CaseFacet.value, CaseFacet.agency_id)
    )
    return _rows(stmt)


OUTCOME_ROWS = [
    "not_accepted",
    "transferred",
    "terminated",
    "misconduct_minor",
    "misconduct_serious",
    "misconduct_severe",
    "no_misconduct",
]


def by_outcome(q: FigureQuery):
    """Cases concluded in the period by how they ended; a decision by its most severe
    finding."""
    stmt = (
        select(
            CaseSummary.outcome_state,
            CaseSummary.worst_finding,
            CaseSummary.agency_id,
            func.count(),
        )
        .where(*q.summary_clauses(), *q.in_period(CaseSummary.outcome_on))
        .group_by(CaseSummary.outcome_state, CaseSummary.worst_finding, CaseSummary.agency_id)
    )
    names = {n: f"misconduct_{s.value}" for s, n in SEVERITY_RANK.items()}
    out = []
    for state, worst_rank, agency_id, n in db.session.execute(stmt):
        if state != CaseState.decided:
            out.append((CaseState(state).value, agency_id, n))
        else:
            out.append((names.get(worst_rank, "no_misconduct"), agency_id, n))
    return out


# stage -> the state whose deadline "overdue now" is counted against
STAGES = {"preliminary": CaseState.preliminary_review, "investigation": CaseState.investigating}
STAGE_ROWS = [
    f"{stage}.{measure}"
    for stage in STAGES
    for measure in ("completed", "on_time", "share", "median", "overdue")
] + ["investigation.extended"]


def stage_times(q: FigureQuery):
    out: list = []
    for stage, state in STAGES.items():
        left_on = getattr(CaseSummary, f"{stage}_left_on")
        days = getattr(CaseSummary, f"{stage}_days")
        where = [*q.summary_clauses(), *q.in_period(left_on)]
        on_time = func.sum(case((getattr(CaseSummary, f"{stage}_on_time"), 1), else_=0))
        counts = db.session.execute(
            select(CaseSummary.agency_id, func.count(), on_time)
            .where(*where)
            .group_by(CaseSummary.agency_id)
        ).all()
        for agency_id, n, ok in counts:
            out += [(f"{stage}.completed", agency_id, n), (f"{stage}.on_time", agency_id, int(ok))]
            out.append((f"{stage}.share", agency_id, 100.0 * int(ok) / n if n else None))
        done, ok_all = sum(n for _a, n, _o in counts), sum(int(o) for *_x, o in counts)
        out.append((f"{stage}.share", TOTAL, 100.0 * ok_all / done if done else None))
        found = medians(q, CaseSummary.agency_id, days, *where, days.is_not(None))
        out += [(f"{stage}.median", a, v) for a, v in found.items()]
        overdue = db.session.execute(
            select(Case.agency_id, func.count())
            .where(*q.case_clauses(), Case.state == state, Case.due_date < today())
            .group_by(Case.agency_id)
        ).all()
        out += [(f"{stage}.overdue", a, n) for a, n in overdue]
    extended = db.session.execute(
        select(Case.agency_id, func.count())
        .where(
            *q.case_clauses(),
            Case.extension_months > 0,
            *q.in_period(Case.investigation_opened_on),
        )
        .group_by(Case.agency_id)
    ).all()
    out += [("investigation.extended", a, n) for a, n in extended]
    return out


def sanctions(q: FigureQuery):
    from app.cases.models import Sanction

    stmt = (
        select(Sanction.sanction_type, Case.agency_id, func.count())
        .join(Case, Case.id == Sanction.case_id)
        .where(*q.case_clauses(), *q.in_period(Sanction.start_date))
        .group_by(Sanction.sanction_type, Case.agency_id)
    )
    return [(SanctionType(r).value, a, n) for r, a, n in db.session.execute(stmt)]


STAGE_LABELS = {
    "preliminary": _l("Preliminary review"),
    "investigation": _l("Investigation"),
}
MEASURE_LABELS = {
    "completed": _l("completed"),
    "on_time": _l("within the deadline"),
    "share": _l("share within the deadline (%)"),
    "median": _l("median days"),
    "overdue": _l("overdue now"),
    "extended": _l("extensions granted"),
}
OUTCOME_LABELS = {
    "misconduct_minor": _l("Misconduct found: minor"),
    "misconduct_serious": _l("Misconduct found: serious"),
    "misconduct_severe": _l("Misconduct found: severe"),
    "no_misconduct": _l("No misconduct"),
}


def stage_label(key: str) -> str:
    stage, measure = key.split(".")
    return f"{STAGE_LABELS[stage]} · {MEASURE_LABELS[measure]}"


def enum_label(enum_cls):
    def labeller(key: str) -> str:
        return label(enum_cls(key))

    return labeller


def outcome_label(key: str) -> str:
    if key in OUTCOME_LABELS:
        return str(OUTCOME_LABELS[key])
    return label(CaseState(key))


def register_case_figures() -> None:
    register_figure(
        Figure(
            "received",
            10,
            _l("Cases received by month"),
            _l("How many allegations were registered each month of the period."),
            received,
            chart="line",
            summary=True,
        )
    )
    register_figure(
        Figure(
            "concluded",
            20,
            _l("Cases concluded by month"),
            _l("Cases that were decided or ended (not accepted, transferred, terminated)."),
            concluded,
            chart="line",
            summary=True,
        )
    )
    register_figure(
        Figure(
            "source",
            30,
            _l("Cases received by source"),
            _l("Where the allegations received in the period came from."),
            by_source,
            row_label=enum_label(CaseSource),
            fixed_rows=lambda: [s.value for s in CaseSource],
        )
    )
    register_figure(
        Figure(
            "misconduct_type",
            40,
            _l("Cases received by type of misconduct alleged"),
            _l("A case alleging several types counts once under each."),
            by_type,
            row_label=enum_label(MisconductType),
            fixed_rows=lambda: [m.value for m in MisconductType],
        )
    )
    register_figure(
        Figure(
            "institution",
            50,
            _l("Respondent institutions with the most cases"),
            _l("The ten institutions named in the most cases received in the period."),
            by_institution,
        )
    )
    register_figure(
        Figure(
            "outcome",
            60,
            _l("Cases concluded by outcome"),
            _l(
                "How the cases concluded in the period ended; decisions by their most"
                " severe finding."
            ),
            by_outcome,
            row_label=outcome_label,
            fixed_rows=lambda: list(OUTCOME_ROWS),
        )
    )
    register_figure(
        Figure(
            "stages",
            70,
            _l("Time in each stage against its deadline"),
            _l(
                "Stages completed in the period, the share completed within the deadline,"
                " the median days taken, and cases overdue today."
            ),
            stage_times,
            row_label=stage_label,
            chart="none",
            fixed_rows=lambda: list(STAGE_ROWS),
            row_kinds={
                "preliminary.share": "percent",
                "preliminary.median": "days",
                "investigation.share": "percent",
                "investigation.median": "days",
            },
            basis={
                "preliminary.share": "preliminary.completed",
                "preliminary.median": "preliminary.completed",
                "investigation.share": "investigation.completed",
                "investigation.median": "investigation.completed",
            },
        )
    )
    register_figure(
        Figure(
            "sanctions",
            80,
            _l("Sanctions imposed by type"),
            _l("Sanctions whose term started in the period."),
            sanctions,
            row_label=enum_label(SanctionType),
            summary=True,
        )
    )
