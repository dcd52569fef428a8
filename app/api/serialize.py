"""Cases as plain data for the API. The complainant's identity is need-to-know: it is included
only through the audited, granted view of app.protection.identity."""

from __future__ import annotations

from app.auth.models import User
from app.cases.models import Case, Party
from app.cases.permissions import SHARED_DEADLINES, is_shared_step, reads_shared_level
from app.cases.workflow import available_transitions
from app.core.calendar import deadline_unconfirmed
from app.core.identifiers import mask_id_number
from app.protection.identity import complainant_view

# What every reader of a case gets, and what only the owning agency's readers get.
CASE_FIELDS = (
    "reference",
    "title",
    "summary",
    "source",
    "received_date",
    "rule_version",
    "state",
    "version",
    "created_at",
    "updated_at",
)
DECISION_FIELDS = ("findings_report", "decided_on", "decision_text", "review_outcome")


def case_summary(case: Case) -> dict:
    return {
        "reference": case.reference,
        "title": case.title,
        "state": case.state,
        "agency": case.agency.code,
        "source": case.source,
        "received_date": case.received_date,
        "due_date": case.due_date,
        "due_date_calendar_unconfirmed": deadline_unconfirmed(case.due_date),
        "updated_at": case.updated_at,
        "version": case.version,
    }


def _respondent(p: Party) -> dict:
    return {
        "id": p.id,
        "party_type": p.party_type,
        "name": p.name,
        "id_type": p.id_type,
        "id_number_masked": mask_id_number(p.id_number),
        "institution": p.institution,
        "position": p.position,
    }


DEADLINE_FIELDS = (
    "due_date",
    "preliminary_due",
    "investigation_opened_on",
    "investigation_due",
    "extension_months",
    "suspended_on",
    "notice_served_on",
    "defence_due",
    "defence_received_on",
    "review_request_due",
    "review_requested_on",
    "review_decision_due",
    "closed_on",
)
# The deadlines computed on the working-day calendar: each has, beside it,
# `<name>_calendar_unconfirmed` (it runs into a year whose calendar is not confirmed).
COMPUTED_DEADLINES = (
    "due_date",
    "preliminary_due",
    "investigation_due",
    "defence_due",
    "review_request_due",
    "review_decision_due",
)


def deadlines(case: Case, *, shared: bool = False) -> dict:
    """The case's deadlines, each computed one marked when it runs into a year whose
    calendar is not confirmed; at the shared level, only those the participant's page shows."""
    values = {
        k: getattr(case, k) if not shared or k in SHARED_DEADLINES else None
        for k in DEADLINE_FIELDS
    }
    for name in COMPUTED_DEADLINES:
        values[f"{name}_calendar_unconfirmed"] = deadline_unconfirmed(values[name])
    return values


def case_detail(case: Case, user: User) -> dict:
    """The caller commits: a granted reader's view of the complainant is audited. A reader
    outside the owning agency (a joint investigation's participant) gets the shared level."""
    if reads_shared_level(user, case):
        return shared_case_detail(case, user)
    return {
        "complainant": complainant_view(case, user, via="api"),
        **{k: getattr(case, k) for k in (*CASE_FIELDS, *DECISION_FIELDS)},
        "agency": case.agency.code,
        "transfer_agency": case.transfer_agency.code if case.transfer_agency else None,
        "former_references": case.former_references,
        "deadlines": deadlines(case),
        "respondents": [_respondent(p) for p in case.respondents],
        "allegations": [
            {
                "id": a.id,
                "misconduct_type": a.misconduct_type,
                "description": a.description,
                "work_reference": a.work_reference,
            }
            for a in case.allegations
        ],
        "team": [
            {"user": m.user.username, "display_name": m.user.display_name, "team_role": m.team_role}
            for m in case.members
        ],
        "history": [
            {
                "at": h.at,
                "action": h.action,
                "from_state": h.from_state,
                "to_state": h.to_state,
                "actor": h.actor.username if h.actor else None,
                "reason": h.reason,
                "details": h.details or {},
            }
            for h in case.history
        ],
        "findings": [
            {
                "allegation_id": f.allegation_id,
                "party_id": f.party_id,
                "outcome": f.outcome,
                "severity": f.severity,
                "aggravating": f.aggravating,
                "mitigating": f.mitigating,
            }
            for f in case.findings
        ],
        "notices": [
            {
                "party_id": n.party_id,
                "served_on": n.served_on,
                "defence_due": n.defence_due,
                "defence_due_calendar_unconfirmed": deadline_unconfirmed(n.defence_due),
                "defence_received_on": n.defence_received_on,
                "defence_statement": n.defence_statement,
            }
            for n in case.notices
        ],
        "sanctions": [
            {
                "id": s.id,
                "party_id": s.party_id,
                "sanction_type": s.sanction_type,
                "start_date": s.start_date,
                "end_date": s.end_date,
                "lifetime": s.lifetime,
                "description": s.description,
                "revoked_on": s.revoked_on,
                "decision_id": s.decision_id,
                "revoked_by_id": s.revoked_by_id,
            }
            for s in case.sanctions
        ],
        "decisions": [
            {
                "id": d.id,
                "kind": d.kind,
                "review_outcome": d.review_outcome,
                "decided_on": d.decided_on,
                "requested_on": d.requested_on,
                "text": d.text,
                "reason": d.reason,
            }
            for d in case.decisions
        ],
        "available_transitions": [
            {
                "name": t.name,
                "to": t.target,
                "label": str(t.label),
                "reason_required": t.reason_required,
                "fields": list(t.fields),
            }
            for t in available_transitions(case, user)
        ],
    }


def shared_case_detail(case: Case, user: User) -> dict:
    """What a participating agency sees (the shared level of app.cases.permissions): summary,
    parties with masked IDs, allegations and the shared steps of the timeline; never the
    complainant, the team, who acted or why, findings, sanctions or decisions."""
    return {
        "complainant": None,
        **{k: getattr(case, k) for k in CASE_FIELDS},
        **dict.fromkeys(DECISION_FIELDS),
        "agency": case.agency.code,
        "transfer_agency": None,
        "deadlines": deadlines(case, shared=True),
        "respondents": [_respondent(p) for p in case.respondents],
        "allegations": [
            {
                "id": a.id,
                "misconduct_type": a.misconduct_type,
                "description": a.description,
                "work_reference": a.work_reference,
            }
            for a in case.allegations
        ],
        "team": [],
        "history": [
            {
                "at": h.at,
                "action": h.action,
                "from_state": h.from_state,
                "to_state": h.to_state,
                "actor": None,
                "reason": None,
                "details": {},
            }
            for h in case.history
            if is_shared_step(h, user)
        ],
        "findings": [],
        "notices": [],
        "sanctions": [],
        "decisions": [],
        "available_transitions": [],
    }
