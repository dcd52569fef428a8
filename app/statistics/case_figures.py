"""The case figures: received and concluded, by source, type, institution and outcome, time
against deadlines, sanctions. Each query counts in SQL, grouped by the owning agency."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select

from app.cases.models import (
    TERMINAL_STATES,
    Allegation,
    Case,
    CaseSource,
    CaseState,
    Finding,
    FindingOutcome,
    HistoryEntry,
    MisconductType,
    Party,
    PartyType,
    SanctionType,
    Severity,
)
from app.core.calendar import today
from app.core.labels import label
from app.extensions import db
from app.statistics.figures import TOTAL, Figure, register_figure
from app.statistics.sql import FigureQuery, medians

TOP_INSTITUTIONS = 10
CONCLUDED = [CaseState.not_accepted, CaseState.transferred, CaseState.terminated]


def _rows(stmt):
    return [(str(r), a, int(n)) for r, a, n in db.session.execute(stmt).all()]


def received(q: FigureQuery):
    month = q.month(Case.received_date)
    stmt = (
        select(month, Case.agency_id, func.count())
        .where(*q.case_clauses(), *q.in_period(Case.received_date))
        .group_by(month, Case.agency_id)
    )
    return [(m, TOTAL, 0) for m in q.months()] + _rows(stmt)


def _first_entries(q: FigureQuery, *where):
    """Each case's first history entry matching `where` within the period (a reopened or
    re-decided case counts once)."""
    return (
        select(HistoryEntry.case_id, func.min(HistoryEntry.at).label("at"))
        .join(Case, Case.id == HistoryEntry.case_id)
        .where(*where, *q.case_clauses(), *q.at_in_period(HistoryEntry.at))
        .group_by(HistoryEntry.case_id)
        .subquery()
    )


def concluded(q: FigureQuery):
    """Cases that reached a terminal state or a decision, by month (China Standard Time)."""
    done = _first_entries(q, HistoryEntry.to_state.in_([*TERMINAL_STATES, CaseState.decided]))
    month = q.local_month(done.c.at)
    stmt = (
        select(month, Case.agency_id, func.count())
        .join(done, done.c.case_id == Case.id)
        .group_by(month, Case.agency_id)
    )
    return [(m, TOTAL, 0) for m in q.months()] + _rows(stmt)


def by_source(q: FigureQuery):
    stmt = (
        select(Case.source, Case.agency_id, func.count())
        .where(*q.case_clauses(), *q.in_period(Case.received_date))
        .group_by(Case.source, Case.agency_id)
    )
    return [(r.value, a, n) for r, a, n in db.session.execute(stmt)]


def by_type(q: FigureQuery):
    pairs = (
        select(Allegation.misconduct_type.label("kind"), Case.id, Case.agency_id)
        .join(Case, Case.id == Allegation.case_id)
        .where(*q.case_clauses(), *q.in_period(Case.received_date))
        .distinct()
        .subquery()
    )
    stmt = select(pairs.c.kind, pairs.c.agency_id, func.count()).group_by(
        pairs.c.kind, pairs.c.agency_id
    )
    return [(MisconductType(r).value, a, n) for r, a, n in db.session.execute(stmt)]


def _institution_of():
    return case((Party.party_type == PartyType.institution, Party.name), else_=Party.institution)


def by_institution(q: FigureQuery):
    """The institutions with the most cases received (each case once per institution)."""
    name = _institution_of()
    pairs = (
        select(name.label("name"), Case.id, Case.agency_id)
        .join(Case, Case.id == Party.case_id)
        .where(name.is_not(None), *q.case_clauses(), *q.in_period(Case.received_date))
        .distinct()
        .subquery()
    )
    top = (
        select(pairs.c.name)
        .group_by(pairs.c.name)
        .order_by(func.count().desc(), pairs.c.name)
        .limit(TOP_INSTITUTIONS)
    )
    stmt = (
        select(pairs.c.name, pairs.c.agency_id, func.count())
        .where(pairs.c.name.in_(top))
        .group_by(pairs.c.name, pairs.c.agency_id)
    )
    return _rows(stmt)


SEVERITY_RANK = {Severity.minor: 1, Severity.serious: 2, Severity.severe: 3}
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
    """Concluded cases by how they ended; a decision by its most severe finding."""
    ended = _first_entries(q, HistoryEntry.to_state.in_([*CONCLUDED, CaseState.decided]))
    rank = case(
        *[
            (and_(Finding.outcome == FindingOutcome.misconduct, Finding.severity == s), n)
            for s, n in SEVERITY_RANK.items()
        ],
        else_=0,
    )
    worst = (
        select(Finding.case_id, func.max(rank).label("rank")).group_by(Finding.case_id).subquery()
    )
    first_state = (
        select(HistoryEntry.to_state)
        .where(HistoryEntry.case_id == ended.c.case_id, HistoryEntry.at == ended.c.at)
        .where(HistoryEntry.to_state.in_([*CONCLUDED, CaseState.decided]))
        .limit(1)
        .scalar_subquery()
    )
    per_case = (
        select(
            first_state.label("state"),
            func.coalesce(worst.c.rank, 0).label("rank"),
            Case.agency_id.label("agency_id"),
        )
        .select_from(ended)
        .join(Case, Case.id == ended.c.case_id)
        .outerjoin(worst, worst.c.case_id == Case.id)
        .subquery()
    )
    stmt = select(per_case.c.state, per_case.c.rank, per_case.c.agency_id, func.count()).group_by(
        per_case.c.state, per_case.c.rank, per_case.c.agency_id
    )
    names = {n: f"misconduct_{s.value}" for s, n in SEVERITY_RANK.items()}
    out = []
    for state, worst_rank, agency_id, n in db.session.execute(stmt):
        if state != CaseState.decided:
            out.append((CaseState(state).value, agency_id, n))
        else:
            out.append((names.get(worst_rank, "no_misconduct"), agency_id, n))
    return out


STAGES = {
    "preliminary": (CaseState.preliminary_review, Case.received_date, Case.preliminary_due),
    "investigation": (
        CaseState.investigating,
        Case.investigation_opened_on,
        Case.investigation_due,
    ),
}
STAGE_ROWS = [
    f"{stage}.{measure}"
    for stage in STAGES
    for measure in ("completed", "on_time", "share", "median", "overdue")
] + ["investigation.extended"]


def stage_times(q: FigureQuery):
    out: list = []
    for stage, (state, started, due) in STAGES.items():
        left = _first_entries(q, HistoryEntry.from_state == state)
        ended = q.local_date(left.c.at)
        base = select().select_from(left).join(Case, Case.id == left.c.case_id)
        on_time = func.sum(case((ended <= due, 1), else_=0))
        counts = db.session.execute(
            base.add_columns(Case.agency_id, func.count(), on_time).group_by(Case.agency_id)
        ).all()
        for agency_id, n, ok in counts:
            out += [(f"{stage}.completed", agency_id, n), (f"{stage}.on_time", agency_id, int(ok))]
            out.append((f"{stage}.share", agency_id, 100.0 * int(ok) / n if n else None))
        done, ok_all = sum(n for _a, n, _o in counts), sum(int(o) for *_x, o in counts)
        out.append((f"{stage}.share", TOTAL, 100.0 * ok_all / done if done else None))
        days = q.days(ended, started)
        where = [started.is_not(None)]
        found = medians(q, Case.agency_id, days, *where, Case.id == left.c.case_id)
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
