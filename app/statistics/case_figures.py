"""The case figures: received and concluded, by source, type, institution and outcome, time
against deadlines, sanctions. Each query counts in SQL, grouped by the owning agency."""

from __future__ import annotations

from collections import Counter

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

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
from app.statistics.counts import counted, outcome_of, split_stage_key
from app.statistics.figures import TOTAL, Figure, register_figure
from app.statistics.models import CaseCount, CaseFacet, CaseSummary
from app.statistics.sql import FigureQuery
from app.statistics.summaries import SEVERITY_RANK

TOP_INSTITUTIONS = 10


def _rows(stmt):
    return [(str(r), a, int(n)) for r, a, n in db.session.execute(stmt).all()]


def _received_in(q: FigureQuery) -> list:
    """The cases received in the period, by their summaries (a narrow, indexed table)."""
    return [*q.summary_clauses(), *q.in_period(CaseSummary.received_date)]


def _received_counts(q: FigureQuery) -> list[tuple[str, CaseSource, int, int]]:
    """The cases received in the period by month, source and agency: one pass over the
    period's running counts (or the summaries' received index, for an institution), read by
    both the by-month and the by-source figure."""
    if q.counted:
        month = q.month(CaseCount.day)
        stmt = counted(q, "received", month, CaseCount.key)
        return [(str(m), s, a, int(n)) for m, s, a, n in db.session.execute(stmt)]
    month = q.month(CaseSummary.received_date)
    stmt = (
        select(month, CaseSummary.source, CaseSummary.agency_id, func.count())
        .where(*_received_in(q))
        .group_by(month, CaseSummary.source, CaseSummary.agency_id)
    )
    return [(str(m), s, a, int(n)) for m, s, a, n in db.session.execute(stmt)]


def _received_by(q: FigureQuery, part) -> list:
    counts: Counter = Counter()
    for row in q.shared("received", lambda: _received_counts(q)):
        counts[part(row), row[2]] += row[3]
    return [(key, agency_id, n) for (key, agency_id), n in counts.items()]


def received(q: FigureQuery):
    return [(m, TOTAL, 0) for m in q.months()] + _received_by(q, lambda row: row[0])


def concluded(q: FigureQuery):
    """Cases that first reached a terminal state or a decision in the period, by month
    (China Standard Time dates, from the case summaries)."""
    if q.counted:
        return [(m, TOTAL, 0) for m in q.months()] + _rows(
            counted(q, "concluded", q.month(CaseCount.day))
        )
    month = q.month(CaseSummary.concluded_on)
    stmt = (
        select(month, CaseSummary.agency_id, func.count())
        .where(*q.summary_clauses(), *q.in_period(CaseSummary.concluded_on))
        .group_by(month, CaseSummary.agency_id)
    )
    return [(m, TOTAL, 0) for m in q.months()] + _rows(stmt)


def by_source(q: FigureQuery):
    return _received_by(q, lambda row: CaseSource(row[1]).value)


def _facets(q: FigureQuery, kind: str) -> list:
    """The facet rows of a kind of the cases received in the period."""
    return [
        CaseFacet.kind == kind,
        *q.in_period(CaseFacet.received_date),
        *q.scope_clauses(CaseFacet.agency_id, CaseFacet.case_id),
    ]


def _facet_counts(q: FigureQuery, kind: str):
    """(value, agency, count) of the facets of a kind of the cases received in the period."""
    if q.counted:
        return counted(q, kind, CaseCount.key)
    return (
        select(CaseFacet.value, CaseFacet.agency_id, func.count())
        .where(*_facets(q, kind))
        .group_by(CaseFacet.value, CaseFacet.agency_id)
    )


def by_type(q: FigureQuery):
    stmt = _facet_counts(q, "type")
    return [(MisconductType(r).value, a, n) for r, a, n in db.session.execute(stmt)]


def by_institution(q: FigureQuery):
    """The institutions with the most cases received (each case once per institution), in
    one pass: the counts per institution and agency, then the top ones among them."""
    counts = _facet_counts(q, "institution").cte("institution_counts")
    value, agency_id, n = counts.c
    top = select(value).group_by(value).order_by(func.sum(n).desc(), value).limit(TOP_INSTITUTIONS)
    stmt = select(value, agency_id, n).where(value.in_(top))
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
    names = {n: f"misconduct_{s.value}" for s, n in SEVERITY_RANK.items()}
    out = []
    for state, worst_rank, agency_id, n in _outcome_counts(q):
        if state != CaseState.decided:
            out.append((CaseState(state).value, agency_id, n))
        else:
            out.append((names.get(worst_rank, "no_misconduct"), agency_id, n))
    return out


def _outcome_counts(q: FigureQuery) -> list[tuple[str, int, int, int]]:
    if q.counted:
        found = db.session.execute(counted(q, "outcome", CaseCount.key))
        return [(*outcome_of(key), agency_id, n) for key, agency_id, n in found]
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
    return list(db.session.execute(stmt))


# stage -> the state whose deadline "overdue now" is counted against
STAGES = {"preliminary": CaseState.preliminary_review, "investigation": CaseState.investigating}
STAGE_ROWS = [
    f"{stage}.{measure}"
    for stage in STAGES
    for measure in ("completed", "on_time", "share", "median", "overdue")
] + ["investigation.extended"]


def _stage_counts(q: FigureQuery, stage: str) -> list[tuple[int | None, int, int, float | None]]:
    """(agency, completed, within the deadline, median days) of the stage left in the
    period, per agency and for all of them (agency None), from one pass over the stage's
    index that counts the cases per agency, days taken and on time: at most a row per
    distinct number of days, whatever the number of cases, so the medians are taken here.
    (PostgreSQL's percentile_cont sorted every case of the period, a million cases: 114,177
    rows of a year, spilled to disk.)"""
    per: dict = {None: [0, 0, Counter()]}  # the total's row, even of nothing
    for agency_id, value, ok, n in _stage_rows(q, stage):
        for key in (agency_id, None):
            counts = per.setdefault(key, [0, 0, Counter()])
            counts[0] += n
            counts[1] += n if ok else 0
            if value is not None:
                counts[2][value] += n
    return [(key, n, ok, _median(histogram)) for key, (n, ok, histogram) in per.items()]


def _stage_rows(q: FigureQuery, stage: str) -> list[tuple[int, int | None, bool, int]]:
    """(agency, days taken, on time, cases) of the stage left in the period."""
    if q.counted:
        found = db.session.execute(counted(q, stage, CaseCount.key))
        return [(agency_id, *split_stage_key(key), n) for key, agency_id, n in found]
    left_on = getattr(CaseSummary, f"{stage}_left_on")
    days = getattr(CaseSummary, f"{stage}_days")
    on_time = getattr(CaseSummary, f"{stage}_on_time")
    stmt = (
        select(CaseSummary.agency_id, days, on_time, func.count())
        .where(*q.summary_clauses(), *q.in_period(left_on))
        .group_by(CaseSummary.agency_id, days, on_time)
    )
    return list(db.session.execute(stmt))


def _median(histogram: Counter) -> float | None:
    """The median of the values counted in `histogram` (value -> how many), as
    percentile_cont(0.5) takes it: the middle value, or the mean of the middle two."""
    total = sum(histogram.values())
    if not total:
        return None
    middle, seen, found = ((total - 1) // 2, total // 2), 0, []
    for value in sorted(histogram):
        first, seen = seen, seen + histogram[value]
        found += [value for index in middle if first <= index < seen]
    return float(sum(found)) / len(found)


def stage_times(q: FigureQuery):
    out: list = []
    for stage in STAGES:
        for agency_id, n, ok, median in _stage_counts(q, stage):
            column = TOTAL if agency_id is None else agency_id
            out.append((f"{stage}.share", column, 100.0 * ok / n if n else None))
            out.append((f"{stage}.median", column, median))
            if agency_id is not None:
                out += [(f"{stage}.completed", agency_id, n), (f"{stage}.on_time", agency_id, ok)]
    overdue = db.session.execute(_overdue(q)).all()
    stage_of = {state: stage for stage, state in STAGES.items()}
    out += [(f"{stage_of[CaseState(s)]}.overdue", a, n) for s, a, n in overdue]
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


def _overdue(q: FigureQuery):
    """(state, agency, cases) still in a stage past its due date: the open counts of the
    days before today."""
    if q.counted:
        return counted(q, "open", CaseCount.key, days=[CaseCount.day < today()])
    return (
        select(Case.state, Case.agency_id, func.count())
        .where(*q.case_clauses(), Case.state.in_(STAGES.values()), Case.due_date < today())
        .group_by(Case.state, Case.agency_id)
    )


def sanctions(q: FigureQuery):
    """Sanctions whose term started in the period, by type and their case's agency (the
    running counts of their facets)."""
    from app.cases.models import Sanction

    stmt = (
        select(Sanction.sanction_type, Case.agency_id, func.count())
        .join(Case, Case.id == Sanction.case_id)
        .where(*q.case_clauses(), *q.in_period(Sanction.start_date))
        .group_by(Sanction.sanction_type, Case.agency_id)
    )
    if q.counted:
        stmt = counted(q, "sanction", CaseCount.key)
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
            listed_rows=True,
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
            listed_rows=True,
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
            # A share rests on what was completed and what of it was on time; completed
            # minus on time (late) is read off as easily as a shown count.
            basis={
                "preliminary.share": ("preliminary.completed", "preliminary.on_time"),
                "preliminary.median": "preliminary.completed",
                "investigation.share": ("investigation.completed", "investigation.on_time"),
                "investigation.median": "investigation.completed",
            },
            parts={
                "preliminary.completed": ("preliminary.on_time",),
                "investigation.completed": ("investigation.on_time",),
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
