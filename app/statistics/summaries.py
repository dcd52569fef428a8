"""The per-case summary the figures count (`CaseSummary`), recomputed from a case's history.

`refresh_summary(case)` listens to `app.cases.extension_points.case_changed`: it runs in the
transaction of each step that changes a case's state (`app.cases.workflow.perform`), and of
registration and an accepted transfer (which change its agency and received date). Each of
those first updates the case row (its version), so PostgreSQL holds that row's lock until the
transaction ends: two steps on one case never interleave, and the loser of a race is rolled
back with its summary. The row is recomputed whole from the case's own history (about ten
rows, by index), so a refresh never depends on the previous one being right.

Definitions (the same in the migration that backfilled the table):
- concluded: the first entry into a terminal state or a decision;
- outcome: the first entry into not accepted / transferred / terminated / decided, with
  the most severe finding of a decided case;
- a stage is left by the first step from its state into another one (a team change or an
  extension within the stage does not leave it); its days run from the stage's start
  (received date, investigation opened) and it is on time when left by the deadline in
  force then.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import delete, insert, select

from app.cases.models import (
    TERMINAL_STATES,
    Allegation,
    Case,
    CaseState,
    Finding,
    FindingOutcome,
    HistoryEntry,
    Party,
    PartyType,
    Sanction,
    Severity,
)
from app.core.calendar import CST
from app.extensions import db
from app.statistics import counts
from app.statistics.models import CaseFacet, CaseSummary

CONCLUDING = frozenset({*TERMINAL_STATES, CaseState.decided})
OUTCOMES = frozenset(
    {CaseState.not_accepted, CaseState.transferred, CaseState.terminated, CaseState.decided}
)
SEVERITY_RANK = {Severity.minor: 1, Severity.serious: 2, Severity.severe: 3}
# stage -> (its state, the case column it starts on, the column of its deadline)
STAGES = {
    "preliminary": (CaseState.preliminary_review, "received_date", "preliminary_due"),
    "investigation": (CaseState.investigating, "investigation_opened_on", "investigation_due"),
}
# The stages a case can be overdue in now (by its due date).
OPEN_STATES = frozenset(state for state, _start, _due in STAGES.values())


def _aware(at: dt.datetime) -> dt.datetime:
    return at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at  # SQLite drops the zone


def local_date(at: dt.datetime) -> dt.date:
    return _aware(at).astimezone(CST).date()


def summarise(case: Case, entries: list[HistoryEntry], findings: list[Finding]) -> dict:
    """The summary's columns for `case`, from its history entries and findings."""
    entries = sorted(entries, key=lambda h: (_aware(h.at), h.id or 0))
    values: dict = {
        "case_id": case.id,
        "agency_id": case.agency_id,
        "received_date": case.received_date,
        "source": case.source,
    }

    def first(test) -> HistoryEntry | None:
        return next((h for h in entries if test(h)), None)

    concluded = first(lambda h: h.to_state in CONCLUDING)
    values["concluded_on"] = local_date(concluded.at) if concluded else None
    outcome = first(lambda h: h.to_state in OUTCOMES)
    values["outcome_on"] = local_date(outcome.at) if outcome else None
    values["outcome_state"] = str(outcome.to_state) if outcome else None
    values["worst_finding"] = max(
        (
            SEVERITY_RANK.get(f.severity, 0)
            for f in findings
            if f.outcome == FindingOutcome.misconduct
        ),
        default=0,
    )
    for stage, (state, started_column, due_column) in STAGES.items():
        left = first(lambda h, s=state: h.from_state == s and h.to_state not in (None, s))
        left_on = local_date(left.at) if left else None
        started, due = getattr(case, started_column), getattr(case, due_column)
        values[f"{stage}_left_on"] = left_on
        values[f"{stage}_days"] = (left_on - started).days if left_on and started else None
        values[f"{stage}_on_time"] = (left_on <= due if due else False) if left_on else None
    open_now = case.due_date is not None and case.state in OPEN_STATES
    values["open_state"] = CaseState(case.state).value if open_now else None
    values["due_date"] = case.due_date if open_now else None
    return values


# An institution and a type alleged against it, in one facet value: the profile counts them
# from one index range instead of joining a case's institution rows to its type rows.
PAIR = "\x1f"


def institution_type(institution: str, misconduct_type: str) -> str:
    return f"{institution}{PAIR}{misconduct_type}"


def facets(
    case_id: int,
    agency_id: int,
    received_date: dt.date,
    types: Iterable[str],
    institutions: Iterable[str | None],
    sanctions: Iterable[tuple[int, dt.date, str]] = (),
) -> list[dict]:
    """A case's facet rows: each misconduct type alleged and each institution named once, and
    each (institution, type) pair once; each sanction (id, start, type), which the running
    counts count by its start and type (`sanction_facet`)."""
    types = {str(t) for t in types}
    named = {n for n in institutions if n}
    found = {("type", t) for t in types} | {("institution", n) for n in named}
    found |= {("inst_type", institution_type(n, t)) for n in named for t in types}
    found |= {("sanction", sanction_facet(*s)) for s in sanctions}
    return [
        {
            "case_id": case_id,
            "kind": kind,
            "value": value,
            "agency_id": agency_id,
            "received_date": received_date,
        }
        for kind, value in sorted(found)
    ]


def sanction_facet(sanction_id: int, start: dt.date, sanction_type) -> str:
    """A sanction as a facet value: its start date, type and id ("2025-03-01|warning|7")."""
    return f"{start.isoformat()}|{getattr(sanction_type, 'value', sanction_type)}|{sanction_id}"


def institution_of(party: Party) -> str | None:
    """The institution a respondent stands for: itself, or the one a person works at."""
    return party.name if party.party_type == PartyType.institution else party.institution


def _facet_keys(rows) -> set[tuple]:
    return {(r["kind"], r["value"], r["agency_id"], r["received_date"]) for r in rows}


def refresh_summary(case: Case) -> CaseSummary:
    """Recomputes `case`'s summary and facets in the caller's transaction (after its
    history entry), and adds the difference they make to the running counts
    (`app.statistics.counts`)."""
    db.session.flush()
    parties = db.session.scalars(select(Party).where(Party.case_id == case.id))
    types = db.session.scalars(
        select(Allegation.misconduct_type).where(Allegation.case_id == case.id)
    )
    old_facets = (
        db.session.execute(select(CaseFacet.__table__).where(CaseFacet.case_id == case.id))
        .mappings()
        .all()
    )
    deltas = counts.contributions(None, old_facets)
    sanctions = db.session.execute(
        select(Sanction.id, Sanction.start_date, Sanction.sanction_type).where(
            Sanction.case_id == case.id
        )
    )
    named = [institution_of(p) for p in parties]
    rows = facets(case.id, case.agency_id, case.received_date, types, named, sanctions)
    if _facet_keys(rows) != _facet_keys(old_facets):  # most steps change none of them
        db.session.execute(delete(CaseFacet).where(CaseFacet.case_id == case.id))
        if rows:
            db.session.execute(insert(CaseFacet), rows)
    entries = list(db.session.scalars(select(HistoryEntry).where(HistoryEntry.case_id == case.id)))
    findings = list(db.session.scalars(select(Finding).where(Finding.case_id == case.id)))
    values = summarise(case, entries, findings)
    row = db.session.get(CaseSummary, case.id, populate_existing=True)
    if row is None:
        row = CaseSummary(case_id=case.id)
        db.session.add(row)
    else:
        deltas.update(counts.contributions({key: getattr(row, key) for key in values}))
    for key, value in values.items():
        setattr(row, key, value)
    db.session.flush()
    new = counts.contributions(values, rows)
    new.subtract(deltas)
    counts.add(new)
    return row
