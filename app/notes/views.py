"""Interview and note pages: the case-page section, the full list with the form, adding."""

from __future__ import annotations

from dataclasses import fields

from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select

from app.cases.permissions import (
    can_add_material,
    can_contribute,
    check_case_open,
    get_case_or_404,
)
from app.core.errors import InvalidInput
from app.core.pages import run_step
from app.evidence.services import offered_visibilities
from app.extensions import db
from app.notes import bp
from app.notes.forms import note_form
from app.notes.models import CaseNote
from app.notes.pages import list_page
from app.notes.services import NoteInput, add_note, case_notes, note_problems

SECTION_LIMIT = 5


def notes_for_case(case, user) -> dict:
    """What the case-page section shows: the latest notes and how many there are."""
    query = case_notes(case, user)
    latest = db.session.scalars(
        query.order_by(None)
        .order_by(CaseNote.happened_on.desc(), CaseNote.id.desc())
        .limit(SECTION_LIMIT)
    ).all()
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    return {"rows": latest, "total": total, "can_add": can_add_material(user, case)}


@bp.route("/cases/<reference>/notes", methods=["GET", "POST"])
@login_required
def note_list(reference: str):
    case = get_case_or_404(reference, current_user)
    may_add = can_contribute(current_user, case)
    if request.method == "POST" and not may_add:
        abort(403)
    form = note_form(offered_visibilities(case, current_user)) if may_add else None
    if form is not None and form.is_submitted():
        return run_step(
            lambda: _add(case, form),
            refused=lambda err: list_page(case, form),
            to=url_for("notes.note_list", reference=case.reference),
            done=_("The record is added to the case."),
            form=form,
        )
    return list_page(case, form)


def _add(case, form) -> None:
    check_case_open(case)  # an ended case refuses before its fields are judged
    valid = form.validate()
    data = NoteInput(**{f.name: form[f.name].data for f in fields(NoteInput)})
    if not valid:
        # The service's own rules are judged too, so every problem shows in one round.
        problems = note_problems(data)
        for name, message in problems.found.items():
            if not form[name].errors:
                form[name].errors = [*form[name].errors, str(message.message)]
        raise InvalidInput(
            _l("Nothing was saved. Correct the fields marked below; everything you typed is kept.")
        )
    add_note(case, current_user, data)
