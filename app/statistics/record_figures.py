"""The integrity-record figures (records published and received, recognition decisions) and
the institution profile's figures, registered like any other feature's."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, case, func, or_, select, type_coerce

from app.cases.models import (
    Case,
    FindingOutcome,
    MisconductType,
    Sanction,
    SanctionType,
)
from app.core.calendar import today
from app.core.labels import label
from app.extensions import db
from app.records.models import IntegrityRecord, Recognition, RecognitionDecision, RecordStatus
from app.records.permissions import published as is_published
from app.statistics.case_figures import enum_label
from app.statistics.counts import counted_under
from app.statistics.figures import Figure, register_figure
from app.statistics.models import CaseCount, CaseFacet
from app.statistics.sql import FigureQuery, concerning
from app.statistics.summaries import institution_type

RECORD_ROWS = ["published", "received"]


def records(q: FigureQuery):
    """Local records by their agency; records received from other nodes by the agency that
    decided them (only in the region's figures: no agency of this node owns them)."""
    published = (
        select(IntegrityRecord.agency_id, func.count())
        .where(
            IntegrityRecord.is_local.is_(True),
            is_published(),
            *q.in_period(IntegrityRecord.effective_date),
        )
        .group_by(IntegrityRecord.agency_id)
    )
    if q.agency_ids is not None:
        published = published.where(IntegrityRecord.agency_id.in_(q.agency_ids))
    out = [("published", a, n) for a, n in db.session.execute(published)]
    if q.agency_ids is None:
        received = (
            select(IntegrityRecord.deciding_agency, func.count())
            .where(
                IntegrityRecord.is_local.is_(False),
                *q.in_period(IntegrityRecord.effective_date),
            )
            .group_by(IntegrityRecord.deciding_agency)
        )
        out += [("received", name, n) for name, n in db.session.execute(received)]
    return out


def recognitions(q: FigureQuery):
    """Decisions other agencies took on this node's records, by the record's agency."""
    stmt = (
        select(Recognition.decision, IntegrityRecord.agency_id, func.count())
        .join(IntegrityRecord, IntegrityRecord.id == Recognition.record_id)
        .where(IntegrityRecord.is_local.is_(True), *q.at_in_period(Recognition.decided_at))
        .group_by(Recognition.decision, IntegrityRecord.agency_id)
    )
    if q.agency_ids is not None:
        stmt = stmt.where(IntegrityRecord.agency_id.in_(q.agency_ids))
    return [(RecognitionDecision(d).value, a, n) for d, a, n in db.session.execute(stmt)]


# The institution profile: every year, not the period; its scope is `q.institution`.


def institution_cases(q: FigureQuery):
    if not q.from_summaries:  # the running counts under its name
        year = q.year(CaseCount.day)
        stmt = counted_under("institution", [q.institution], year).order_by(year)
        return [(str(y), a, n) for y, a, n in db.session.execute(stmt)]
    year = q.year(CaseFacet.received_date)
    stmt = (
        select(year, CaseFacet.agency_id, func.count())
        .where(CaseFacet.kind == "institution", CaseFacet.value == q.institution)
        .group_by(year, CaseFacet.agency_id)
        .order_by(year)
    )
    return [(str(y), a, n) for y, a, n in db.session.execute(stmt)]


def institution_types(q: FigureQuery):
    """Each case's types once, of the cases concerning it: their (institution, type) facets,
    one index probe per type."""
    pairs = {institution_type(q.institution, t.value): t for t in MisconductType}
    stmt = (
        select(CaseFacet.value, CaseFacet.agency_id, func.count())
        .where(CaseFacet.kind == "inst_type", CaseFacet.value.in_(pairs))
        .group_by(CaseFacet.value, CaseFacet.agency_id)
    )
    if not q.from_summaries:  # the running counts under its pairs
        stmt = counted_under("inst_type", list(pairs), CaseCount.key)
    return [(pairs[k].value, a, n) for k, a, n in db.session.execute(stmt)]


def institution_findings(q: FigureQuery):
    """Misconduct by its severity, other findings by their outcome (as plain text: the
    expression mixes the two enumerations)."""
    from app.cases.models import Finding

    outcome = type_coerce(
        case(
            (Finding.outcome == FindingOutcome.misconduct, Finding.severity),
            else_=Finding.outcome,
        ),
        String(),
    )
    stmt = (
        select(outcome, Case.agency_id, func.count(func.distinct(Case.id)))
        .join(Case, Case.id == Finding.case_id)
        .where(*q.case_clauses())
        .group_by(outcome, Case.agency_id)
    )
    return [(str(k), a, n) for k, a, n in db.session.execute(stmt)]


def institution_sanctions(q: FigureQuery):
    """By the agency its institution facet carries (its case's): the sanctions of the
    institution's cases are joined to those facets alone, not to the cases as well."""
    now = today()
    stmt = (
        select(Sanction.sanction_type, CaseFacet.agency_id, func.count())
        .join(CaseFacet, CaseFacet.case_id == Sanction.case_id)
        .where(
            CaseFacet.kind == "institution",
            CaseFacet.value == q.institution,
            *([] if q.agency_ids is None else [CaseFacet.agency_id.in_(q.agency_ids)]),
            Sanction.revoked_on.is_(None),
            Sanction.start_date <= now,
            or_(Sanction.lifetime.is_(True), Sanction.end_date >= now),
        )
        .group_by(Sanction.sanction_type, CaseFacet.agency_id)
    )
    return [(SanctionType(t).value, a, n) for t, a, n in db.session.execute(stmt)]


def institution_records(q: FigureQuery):
    """Active records whose term has ended count as expired (the records' in_force rule)."""
    now = today()
    status = case(
        (
            (IntegrityRecord.status == RecordStatus.active) & (IntegrityRecord.term_end < now),
            RecordStatus.expired.value,
        ),
        else_=IntegrityRecord.status,
    )
    stmt = (
        select(status, IntegrityRecord.agency_id, func.count())
        .where(
            IntegrityRecord.is_local.is_(True),
            is_published(),
            IntegrityRecord.case_id.in_(concerning(q.institution)),
        )
        .group_by(status, IntegrityRecord.agency_id)
    )
    return [(str(s), a, n) for s, a, n in db.session.execute(stmt)]


FINDING_LABELS = {
    "minor": _l("Misconduct found: minor"),
    "serious": _l("Misconduct found: serious"),
    "severe": _l("Misconduct found: severe"),
    "no_misconduct": _l("No misconduct"),
    "not_determinable": _l("Not determinable"),
}
RECORD_LABELS = {"published": _l("Records published"), "received": _l("Records received")}


REMEDY_LABELS = {
    "objection_pending": _l("Objections being handled"),
    "objection_forwarded": _l("Objections forwarded to the deciding agency"),
    "objection_upheld": _l("Objections upheld"),
    "objection_dismissed": _l("Objections dismissed"),
    "repair_pending": _l("Repair requests waiting"),
    "repair_approved": _l("Repairs approved"),
    "repair_refused": _l("Repairs refused"),
}


def remedies(q: FigureQuery):
    """Objections and repair requests registered in the period, by where they stand now,
    under the agency that decided the record."""
    from app.records.models import RecordObjection, RepairRequest

    out = []
    for prefix, model, day in (
        ("objection", RecordObjection, RecordObjection.registered_on),
        ("repair", RepairRequest, RepairRequest.requested_on),
    ):
        stmt = (
            select(model.state, IntegrityRecord.agency_id, func.count())
            .join(IntegrityRecord, IntegrityRecord.id == model.record_id)
            .where(*q.in_period(day))
            .group_by(model.state, IntegrityRecord.agency_id)
        )
        if q.agency_ids is not None:
            stmt = stmt.where(IntegrityRecord.agency_id.in_(q.agency_ids))
        out += [(f"{prefix}_{state.value}", a, n) for state, a, n in db.session.execute(stmt)]
    return out


def _mapped(labels):
    return lambda key: str(labels.get(key, key))


def register_record_figures() -> None:
    register_figure(
        Figure(
            "records",
            90,
            _l("Integrity records published and received"),
            _l(
                "Records that took effect in the period; records received from other nodes"
                " count under the agency that decided them."
            ),
            records,
            row_label=_mapped(RECORD_LABELS),
            summary=True,
        )
    )
    register_figure(
        Figure(
            "recognitions",
            100,
            _l("Recognition decisions received"),
            _l("How other agencies decided on this node's records in the period."),
            recognitions,
            row_label=enum_label(RecognitionDecision),
            fixed_rows=lambda: [d.value for d in RecognitionDecision],
        )
    )
    register_figure(
        Figure(
            "remedies",
            105,
            _l("Objections and credit repair"),
            _l(
                "Objections and repair requests registered in the period, by where they stand"
                " now, under the agency that decided the record."
            ),
            remedies,
            row_label=_mapped(REMEDY_LABELS),
            fixed_rows=lambda: list(REMEDY_LABELS),
        )
    )
    institution = frozenset({"institution"})
    for key, order, title, caption, compute, row_label in (
        (
            "inst_cases",
            10,
            _l("Cases concerning the institution by year"),
            _l("Cases naming the institution or one of its staff, by year received."),
            institution_cases,
            str,
        ),
        (
            "inst_types",
            20,
            _l("Cases concerning the institution by type of misconduct alleged"),
            _l("A case alleging several types counts once under each."),
            institution_types,
            enum_label(MisconductType),
        ),
        (
            "inst_findings",
            30,
            _l("Findings"),
            _l("Cases by the findings made; a case with several findings counts under each."),
            institution_findings,
            _mapped(FINDING_LABELS),
        ),
        (
            "inst_sanctions",
            40,
            _l("Sanctions in force"),
            _l("Sanctions running today, not revoked."),
            institution_sanctions,
            enum_label(SanctionType),
        ),
        (
            "inst_records",
            50,
            _l("Integrity records"),
            _l("Published records concerning the institution, by their status today."),
            institution_records,
            lambda key: label(RecordStatus(key)),
        ),
    ):
        register_figure(
            Figure(key, 200 + order, title, caption, compute, row_label, scopes=institution)
        )
