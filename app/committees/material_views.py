"""The "mark for the review panel" steps on the evidence item page and the notes list. Their
URLs stay under the case they belong to; the rule of what may be marked and when
(`material.py`) is the committees', so evidence and notes know nothing of panels beyond
the mark itself. After a refusal the host's page is shown again."""

from __future__ import annotations

from flask import Blueprint, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.cases.permissions import get_case_or_404
from app.committees.material import mark_evidence_for_panel, mark_note_for_panel
from app.core.pages import run_step
from app.evidence.pages import item_or_404, item_page
from app.evidence.services import offered_visibilities
from app.notes.forms import note_form
from app.notes.pages import list_page, note_or_404

bp = Blueprint("panel_material", __name__)


@bp.route("/cases/<reference>/evidence/<int:item_id>/panel", methods=["POST"])
@login_required
def mark_evidence(reference: str, item_id: int):
    item = item_or_404(reference, item_id, need="edit")
    marked = request.form.get("marked") == "1"
    return run_step(
        lambda: mark_evidence_for_panel(item, current_user, marked),
        refused=lambda err: item_page(item),
        to=url_for("evidence.item", reference=reference, item_id=item_id),
        done=_("The item is marked for the review panel.")
        if marked
        else _("The item is taken out of the review package."),
    )


@bp.route("/cases/<reference>/notes/<int:note_id>/panel", methods=["POST"])
@login_required
def mark_note(reference: str, note_id: int):
    case = get_case_or_404(reference, current_user, need="edit")
    note = note_or_404(case, note_id)
    marked = request.form.get("marked") == "1"
    form = note_form(offered_visibilities(case, current_user))
    return run_step(
        lambda: mark_note_for_panel(note, current_user, marked),
        refused=lambda err: list_page(case, form),
        to=url_for("notes.note_list", reference=case.reference),
        done=_("The record is marked for the review panel.")
        if marked
        else _("The record is taken out of the review package."),
    )
