"""Loading a case into the plain data the dossier templates render."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from app.auth.models import User
from app.cases.decisions import decision_steps
from app.cases.models import Case, CaseState, ReviewOutcome
from app.cases.transfers import load_transfer_dossier
from app.core.labels import action_label, label
from app.core.times import local_time
from app.dossiers.models import DossierLevel
from app.dossiers.registry import register_section, sections


@dataclass(frozen=True)
class DossierContext:
    case: Case
    requester: User
    level: DossierLevel
    may_see_complainant: bool
    document_id: str | None = None

    @property
    def shared(self) -> bool:
        return self.level == DossierLevel.shared


def _d(value) -> str:
    return value.isoformat() if value else ""


def load_summary(ctx: DossierContext) -> dict:
    from app.cases.permissions import SHARED_DEADLINES

    case = ctx.case
    return {
        "reference": case.reference,
        "title": case.title,
        "agency": case.agency.name_zh,
        "source": str(label(case.source)),
        "received": _d(case.received_date),
        "state": str(label(case.state)),
        "rule_version": case.rule_version,
        "summary": case.summary,
        "due": "" if ctx.shared and "due_date" not in SHARED_DEADLINES else _d(case.due_date),
    }


def load_parties(ctx: DossierContext) -> dict:
    respondents = [
        {
            "name": p.name,
            "type": str(label(p.party_type)),
            "institution": p.institution or "",
            "position": p.position or "",
        }
        for p in ctx.case.respondents
    ]
    return {
        "respondents": respondents,
        "complainant": _complainant(ctx),
        "shared": ctx.shared,
    }


def _complainant(ctx: DossierContext) -> dict | None:
    """The identity enters an internal dossier only through the audited view, as on a page."""
    from app.protection.identity import complainant_view

    c = ctx.case.complainant
    if ctx.shared or c is None:
        return None
    if c.anonymous:
        return {"anonymous": True}
    identity = None
    if ctx.may_see_complainant:
        identity = complainant_view(
            ctx.case, ctx.requester, via="dossier", details={"document_id": ctx.document_id}
        )
    if identity is None:
        return {"restricted": True}
    return {"name": identity["name"], "contact": identity["contact"] or ""}


def load_allegations(ctx: DossierContext) -> list[dict]:
    return [
        {
            "type": str(label(a.misconduct_type)),
            "description": a.description,
            "work": a.work_reference or "",
        }
        for a in ctx.case.allegations
    ]


def load_timeline(ctx: DossierContext) -> list[dict]:
    """The whole timeline with who acted and why; at the shared level the entries the
    shared level shows (app.cases.permissions.is_shared_step) with the acting agency only,
    as on a participant's case page."""
    from app.cases.permissions import is_shared_step

    rows = []
    for h in ctx.case.history:
        if ctx.shared and not is_shared_step(h, _reader(ctx)):
            continue
        rows.append(
            {
                "at": local_time(h.at),
                "actor": _actor(h.actor, ctx),
                "what": _what(h),
                "reason": "" if ctx.shared else (h.reason or ""),
            }
        )
    return rows


def _reader(ctx: DossierContext) -> User | None:
    """Whom a shared dossier is for: the requester when they read the case at the shared
    level; a shared dossier the owning agency makes is for no agency in particular."""
    from app.cases.permissions import reads_shared_level

    return ctx.requester if reads_shared_level(ctx.requester, ctx.case) else None


def _actor(actor: User | None, ctx: DossierContext) -> str:
    if actor is None:
        return ""
    return actor.agency.name_zh if ctx.shared else actor.display_name


def _what(h) -> str:
    if h.from_state and h.to_state and h.from_state != h.to_state:
        what = f"{label(h.from_state)} → {label(h.to_state)}"
    elif h.to_state and not h.from_state:
        what = str(label(h.to_state))
    else:
        what = str(action_label(h.action))
    return what


def load_team(ctx: DossierContext) -> dict:
    members = [
        {
            "name": m.user.display_name,
            "role": str(label(m.team_role)),
            "agency": ctx.case.agency.name_zh,
        }
        for m in ctx.case.members
    ]
    return {"members": members, "declarations": load_declarations(ctx)}


def load_declarations(ctx: DossierContext) -> list[dict]:
    """Every declaration, superseded ones included: the record shows when each person
    declared what. Free-text details stay out of a shared dossier."""
    from app.protection.conflicts import KIND_LABELS, case_declarations

    return [
        {
            "name": d.user.display_name,
            "at": local_time(d.declared_at),
            "kinds": [str(KIND_LABELS.get(k, k)) for k in d.kinds or []],
            "details": "" if ctx.shared else (d.details or ""),
        }
        for d in case_declarations(ctx.case)
    ]


def load_findings(ctx: DossierContext) -> dict:
    """One row per allegation and respondent: each respondent is found at fault or not."""
    order = {a.id: n for n, a in enumerate(ctx.case.allegations)}
    rows = [
        {
            "allegation": str(label(f.allegation.misconduct_type)),
            "respondent": f.party.name,
            "outcome": str(label(f.outcome)),
            "severity": str(label(f.severity)) if f.severity else "",
            "aggravating": f.aggravating or "",
            "mitigating": f.mitigating or "",
        }
        for f in sorted(
            ctx.case.findings, key=lambda f: (order.get(f.allegation_id, 0), f.party_id)
        )
    ]
    return {"report": ctx.case.findings_report or "", "rows": rows}


def _sanction(s) -> dict:
    return {
        "party": s.party.name,
        "type": str(label(s.sanction_type)),
        "start": _d(s.start_date),
        "end": "" if s.lifetime else _d(s.end_date),
        "lifetime": s.lifetime,
        "revoked": _d(s.revoked_on),
    }


def _notice(n) -> dict:
    return {
        "party": n.party.name,
        "served_on": _d(n.served_on),
        "received_on": _d(n.defence_received_on),
        "statement": n.defence_statement or "",
    }


def load_decision(ctx: DossierContext) -> dict:
    """The decision as issued, and what is in force after any review."""
    case = ctx.case
    steps = decision_steps(case)
    original = next((s for s in steps if not s.is_review), None)
    return {
        "text": (original.text or "") if original else "",
        "text_lost": bool(original and original.text_lost),
        "decided_on": _d(original.decided_on) if original else "",
        "notices": [] if ctx.shared else [_notice(n) for n in case.notices],
        "sanctions": [_sanction(s) for s in original.imposed] if original else [],
        "reviewed": any(s.is_review for s in steps),
        "text_in_force": case.decision_text or "",
        "in_force": [_sanction(s) for s in case.sanctions_in_force],
    }


def load_review(ctx: DossierContext) -> dict:
    """Every review decision, dated, with what it changed; a review still pending last."""
    case = ctx.case
    reviews = [
        {
            "requested_on": _d(s.requested_on),
            "decided_on": _d(s.decided_on),
            "outcome": str(label(s.outcome)),
            "upheld": s.outcome == ReviewOutcome.upheld,
            "reason": s.reason or "",
            "text_changed": s.text_changed,
            "previous_text": s.previous_text or "",
            "text": s.text or "",
            "revoked": [_sanction(x) for x in s.revoked],
            "imposed": [_sanction(x) for x in s.imposed],
            "sanctions_kept": s.outcome == ReviewOutcome.modified and not (s.revoked or s.imposed),
        }
        for s in decision_steps(case)
        if s.is_review
    ]
    return {
        "reviews": reviews,
        "pending": case.state == CaseState.under_review,
        "requested_on": _d(case.review_requested_on),
        "outcome": str(label(case.review_outcome)) if case.review_outcome else "",
        "request_due": _d(case.review_request_due),
    }


def load_preliminary(ctx: DossierContext) -> dict | None:
    """The preliminary review report (初核报告), its latest version: internal only, as the
    shared level names no such part (app.cases.permissions.SHARED_PARTS)."""
    from app.cases.preliminary import current_report, report_count

    report = current_report(ctx.case)
    if report is None:
        return None
    return {
        "recommendation": str(label(report.recommendation)),
        "facts_checked": report.facts_checked,
        "reasons": report.reasons,
        "author": report.author.display_name,
        "recorded_at": local_time(report.recorded_at),
        "versions": report_count(ctx.case),
    }


def register_builtin_sections() -> None:
    """The sections of this branch; evidence, notes, declarations and committee review are
    placeholders until their features register loaders under the same keys."""
    builtin = (
        (10, "summary", _l("Case summary"), load_summary),
        (20, "parties", _l("Parties"), load_parties),
        (30, "allegations", _l("Allegations"), load_allegations),
        (35, "preliminary", _l("Preliminary review report"), load_preliminary),
        (40, "timeline", _l("Procedural timeline"), load_timeline),
        (45, "transfers", _l("Transfers"), load_transfer_dossier),
        (50, "team", _l("Case team and conflict declarations"), load_team),
        (60, "evidence", _l("Evidence inventory"), None),
        (70, "interviews", _l("Interviews and notes"), None),
        (80, "findings", _l("Findings"), load_findings),
        (90, "committee", _l("Committee review"), None),
        (100, "decision", _l("Decision and sanctions"), load_decision),
        (110, "review", _l("Review record"), load_review),
    )
    for order, key, title, loader in builtin:
        register_section(order, key, title, f"dossiers/sections/{key}.html", loader)


def load_sections(ctx: DossierContext) -> list[dict[str, Any]]:
    """A shared dossier has the parts the shared level shows (app.cases.permissions), the
    same as a participant's case page: the others are not loaded at all."""
    from app.cases.permissions import is_shared_part

    out = []
    for section in sections():
        if ctx.shared and not is_shared_part(section.key):
            continue
        data = section.loader(ctx) if section.loader else None
        out.append(
            {
                "key": section.key,
                "title": str(section.title),
                "template": section.template,
                "data": data,
                "pending": section.loader is None,
                "on_stored": section.on_stored,
            }
        )
    return out
