"""What a review shows: the summary every member sees before declaring, the package a
member without conflict reads, and the record of a review for the case team and the dossier.

Plain data, the same for the pages, the API and the dossier. The package never carries the
complainant (not even whether there is one) or a respondent's full ID number; of internal
evidence and notes only what the case team marked for the panel, labelled as internal."""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale
from sqlalchemy import or_, select

from app.cases.models import Case
from app.committees.labels import category_label, review_label
from app.committees.models import Review, ReviewStatus
from app.committees.rules import SeatRole
from app.core.identifiers import mask_id_number
from app.core.labels import action_label, file_type_label, id_type_label, label
from app.evidence.models import EvidenceItem, Visibility
from app.extensions import db
from app.notes.models import CaseNote


def _d(value) -> str:
    return value.isoformat() if value else ""


def review_summary(review: Review) -> dict[str, Any]:
    """What a member sees before declaring: enough to know whether they have a conflict."""
    case = review.case
    return {
        "id": review.id,
        "reference": case.reference,
        "title": case.title,
        "agency": case.agency.display_name(str(get_locale())),
        "panel": review.panel.name,
        "questions": review.questions,
        "meeting_date": _d(review.meeting_date),
        "deadline": _d(review.deadline),
        "status": review.status.value,
        "outcome": review.outcome.value if review.outcome else None,
        "respondents": [
            {"name": p.name, "institution": p.institution or "", "type": label(p.party_type)}
            for p in case.respondents
        ],
    }


def package_evidence(review: Review):
    """The evidence in a review's package: shared or marked for the panel, not withdrawn.
    The one answer to which files a member may open."""
    return (
        select(EvidenceItem)
        .where(
            EvidenceItem.case_id == review.case_id,
            or_(
                EvidenceItem.visibility == Visibility.shared,
                EvidenceItem.panel_marked_at.is_not(None),
            ),
            EvidenceItem.withdrawn_at.is_(None),
        )
        .order_by(EvidenceItem.id)
    )


def review_package(review: Review) -> dict[str, Any]:
    case: Case = review.case
    evidence = db.session.scalars(package_evidence(review))
    notes = db.session.scalars(
        select(CaseNote)
        .where(
            CaseNote.case_id == case.id,
            or_(CaseNote.visibility == Visibility.shared, CaseNote.panel_marked_at.is_not(None)),
        )
        .order_by(CaseNote.happened_on, CaseNote.id)
    )
    return {
        **review_summary(review),
        "summary": case.summary or "",
        "respondents": [
            {
                "name": p.name,
                "type": label(p.party_type),
                "institution": p.institution or "",
                "position": p.position or "",
                "id_type": id_type_label(p.id_type),
                "id_number": mask_id_number(p.id_number) or "",
            }
            for p in case.respondents
        ],
        "allegations": [
            {
                "type": label(a.misconduct_type),
                "description": a.description,
                "work": a.work_reference or "",
                # Each respondent's finding on it: one may be at fault, another cleared.
                "findings": [
                    {
                        "respondent": f.party.name if len(case.respondents) > 1 else "",
                        "finding": label(f.outcome),
                        "severity": label(f.severity) if f.severity else "",
                        "aggravating": f.aggravating or "",
                        "mitigating": f.mitigating or "",
                    }
                    for f in case.findings
                    if f.allegation_id == a.id
                ],
            }
            for a in case.allegations
        ],
        "report": case.findings_report or "",
        "evidence": [
            {
                "id": e.id,
                "title": e.title,
                "file": e.blob is not None,
                "previewable": e.previewable,
                "type": file_type_label(e.blob.mime_type) if e.blob else "",
                "kind": label(e.kind),
                "sha256": e.blob_sha256 or "",
                "added": _d(e.added_at.date()),
                "internal": e.visibility is Visibility.internal,
            }
            for e in evidence
        ],
        "notes": [
            {
                "date": _d(n.happened_on),
                "kind": label(n.kind),
                "title": n.title,
                "text": n.body,
                "internal": n.visibility is Visibility.internal,
            }
            for n in notes
        ],
        "timeline": [
            {
                "date": _d(h.at.date()),
                "step": (
                    f"{label(h.from_state)} → {label(h.to_state)}"
                    if h.from_state and h.to_state and h.from_state != h.to_state
                    else action_label(h.action)
                ),
            }
            for h in case.history
        ],
    }


def member_rows(review: Review, *, votes: bool) -> list[dict[str, Any]]:
    """Each member by name and category only; votes and opinions once the review is closed
    (or for the member's own row, which the caller adds). Consultants are marked: their
    opinion is advisory and they have no vote."""
    show = votes and review.status is ReviewStatus.closed
    return [
        {
            "id": m.id,
            "name": m.seat.expert.name,
            "role": label(m.role),
            "consultant": m.role is SeatRole.consultant,
            "category": category_label(m.category),
            "screened": m.screened_conflict or "",
            "screen": _screen_row(m),
            "declared": m.declared_at is not None,
            "conflict": review_label(m.conflict, "conflict")
            if m.conflict
            else (review_label("none", "conflict") if m.declared_at else ""),
            "conflict_note": m.conflict_note or "",
            "recused": m.recused,
            "recusal_reason": m.recusal_reason or "",
            "lifted_reason": m.lifted_reason or "",
            "attendance": review_label(m.attendance, "attendance") if m.attendance else "",
            "attendance_code": m.attendance.value if m.attendance else "",
            "voted": m.choice is not None,
            "advised": m.role is SeatRole.consultant and m.opinion is not None,
            "choice": review_label(m.choice, "choice") if show and m.choice else "",
            "opinion": (m.opinion or "") if show else "",
            "vote_changes": m.vote_changes if show else None,
        }
        for m in review.members
    ]


def _screen_row(m) -> dict[str, Any] | None:
    """The screening flag as the members table shows it, decided or not: who decided and
    why stays beside the flag (a dismissal, or the recusal that confirmed it)."""
    if not m.screened_conflict:
        return None
    if m.screen_dismissed_at is not None:
        by, at = m.screen_dismissed_by, m.screen_dismissed_at
        return {
            "institution": m.screened_conflict,
            "state": "dismissed",
            "by": by.display_name if by else "",
            "on": _d(at.date()),
            "reason": m.screen_dismissal_reason or "",
        }
    if m.recused_at is not None:
        by = m.recused_by
        return {
            "institution": m.screened_conflict,
            "state": "confirmed",
            "by": by.display_name if by else "",
            "on": _d(m.recused_at.date()),
            "reason": m.recusal_reason or "",
        }
    return {"institution": m.screened_conflict, "state": "pending"}


def review_record(review: Review) -> dict[str, Any]:
    """A review as the case page and the dossier show it."""
    tally = review.tally or {}
    return {
        "id": review.id,
        "panel": review.panel.name,
        "panel_kind": label(review.panel.kind),
        "questions": review.questions,
        "meeting_date": _d(review.meeting_date),
        "deadline": _d(review.deadline),
        "open": review.status is ReviewStatus.open,
        "status": review_label(review.status, "status"),
        "outcome": review_label(review.outcome, "outcome") if review.outcome else "",
        "reasons": review.reasons or "",
        "minutes": review.minutes or "",
        "closed_on": _d(review.closed_at.date()) if review.closed_at else "",
        "tally": tally,
        "rule": _rule_words(review),
        "members": member_rows(review, votes=True),
    }


def _rule_words(review: Review) -> dict[str, Any]:
    panel = review.panel
    return {
        "quorum": panel.quorum,
        "threshold": f"{panel.threshold_num}/{panel.threshold_den}",
        "inclusive": panel.inclusive,
        "abstentions_count_as_present": panel.abstentions_count_as_present,
    }


def case_reviews(case: Case) -> list[Review]:
    return list(
        db.session.scalars(select(Review).where(Review.case_id == case.id).order_by(Review.id))
    )
