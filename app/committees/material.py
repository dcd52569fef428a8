"""Internal material marked for the review panel (“internal material only if the owning
agency marked it for the panel”).

Marking never changes an item's visibility: a marked item stays internal, so a joint
investigation's participants, shared dossiers and exchanged records never carry it; only
the review package adds it, for members who are not recused. The case team marks and
unmarks; each change is audited (and, for evidence, in the chain of custody). Once a panel
closed a review while the item was marked, the mark stays: the panel decided on it.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from app.auth.models import User
from app.cases.models import Case
from app.cases.permissions import can_handle, check_case_open
from app.committees.models import Review, ReviewStatus
from app.core import audit
from app.core.errors import GuardFailed, NotAllowed
from app.evidence.models import CustodyAction, EvidenceItem, Visibility
from app.evidence.services import record_custody
from app.extensions import db
from app.notes.models import CaseNote


def _check(case: Case, actor: User, material, marked: bool) -> None:
    if not can_handle(actor, case):
        raise NotAllowed(_l("Only the case team can mark material for the panel."))
    check_case_open(case)
    if material.visibility is not Visibility.internal:
        raise GuardFailed(
            _l(
                "Shared material is in the review package already; only internal material "
                "is marked."
            ),
            code="already_shared",
        )
    if marked and material.panel_marked_at is not None:
        raise GuardFailed(_l("This is already marked for the panel."), code="already_marked")
    if not marked and material.panel_marked_at is None:
        raise GuardFailed(_l("This is not marked for the panel."), code="not_marked")
    if not marked and _decided_on(case, material.panel_marked_at):
        raise GuardFailed(
            _l(
                "A panel has closed a review with this in its package; the mark stays on "
                "the record."
            ),
            code="decided_on",
        )


def _decided_on(case: Case, marked_at: dt.datetime) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Review.case_id == case.id,
                    Review.status == ReviewStatus.closed,
                    Review.closed_at >= marked_at,
                )
            )
        )
    )


def mark_evidence_for_panel(item: EvidenceItem, actor: User, marked: bool = True) -> None:
    """Marks (or unmarks) an internal evidence item for the review package."""
    _check(item.case, actor, item, marked)
    if marked and item.is_withdrawn:
        raise GuardFailed(_l("A withdrawn item cannot be marked for the panel."))
    item.panel_marked_at = dt.datetime.now(dt.UTC) if marked else None
    db.session.flush()
    action = CustodyAction.marked_for_panel if marked else CustodyAction.unmarked_for_panel
    record_custody(item, action, actor)
    audit.record(
        f"evidence.{action.value}",
        actor=actor,
        case=item.case,
        obj=item,
        details={"title": item.title},
    )


def mark_note_for_panel(note: CaseNote, actor: User, marked: bool = True) -> None:
    """Marks (or unmarks) an internal interview record or note for the review package."""
    _check(note.case, actor, note, marked)
    note.panel_marked_at = dt.datetime.now(dt.UTC) if marked else None
    db.session.flush()
    audit.record(
        "note.marked_for_panel" if marked else "note.unmarked_for_panel",
        actor=actor,
        case=note.case,
        obj=note,
        details={"title": note.title},
    )
