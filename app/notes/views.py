"""Interview and note pages: the case-page section, the full list with the form, adding."""

from __future__ import annotations

from dataclasses import fields

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from app.cases.permissions import (
    can_add_material,
    can_contribute,
    check_case_open,
    get_case_or_404,
)
from app.core.errors import ServiceError
from app.extensions import db
from app.notes import bp
from app.notes.forms import NoteForm
from app.notes.models import CaseNote
from app.notes.services import NoteInput, add_note, case_notes

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
    form = NoteForm() if may_add else None
    status = 200
    if form is not None and form.is_submitted():
        status = 422
        try:
            check_case_open(case)  # an ended case refuses before its fields are judged
            if form.validate():
                data = NoteInput(**{f.name: form[f.name].data for f in fields(NoteInput)})
                add_note(case, current_user, data)
                db.session.commit()
                flash(_("The record is added to the case."), "success")
                return redirect(url_for("notes.note_list", reference=case.reference))
        except ServiceError as exc:
            db.session.rollback()
            if exc.field and exc.field in form:
                form[exc.field].errors.append(str(exc.message))
            flash(str(exc.message), "danger")
            status = exc.status
    page = db.paginate(
        case_notes(case, current_user), per_page=25, max_per_page=100, error_out=False
    )
    shown = form if can_add_material(current_user, case) else None
    return render_template("notes/list.html", case=case, page=page, form=shown), status
