"""The notes list as its pages show it. Notes' views use it, and so does a step another
feature offers on the list (committees' "mark for the review panel"), which shows the page
again after a refusal."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user

from app.cases.models import Case
from app.cases.permissions import can_add_material, can_change, reads_shared_level
from app.extensions import db
from app.notes.models import CaseNote
from app.notes.services import case_notes


def note_or_404(case: Case, note_id: int) -> CaseNote:
    """A note of the case this visitor may read."""
    note = db.session.scalar(case_notes(case, current_user).where(CaseNote.id == note_id))
    if note is None:
        abort(404)
    return note


def list_page(case: Case, form) -> str:
    page = db.paginate(
        case_notes(case, current_user), per_page=25, max_per_page=100, error_out=False
    )
    shown = form if can_add_material(current_user, case) else None
    return render_template(
        "notes/list.html",
        case=case,
        page=page,
        form=shown,
        shared_only=reads_shared_level(current_user, case),
        may_mark=can_change(current_user, case),
    )
