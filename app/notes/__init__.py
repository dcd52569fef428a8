"""Interviews and notes of a case (谈话笔录 and working notes), internal or shared."""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("notes", __name__)


def init_app(app: Flask) -> None:
    from app.cases.extension_points import material_counts
    from app.core.extension_points import register_case_section
    from app.core.labels import register_labels
    from app.notes import labels as notes_labels
    from app.notes import views
    from app.notes.models import NoteKind
    from app.notes.services import count_for_case

    notes_labels.register()
    register_labels(values=[(NoteKind.interview, _l("Interview")), (NoteKind.note, _l("Note"))])
    material_counts["notes"] = count_for_case
    register_case_section(45, "notes/_section.html", load=views.notes_for_case, name="notes")
    _register_dossier_section()
    app.register_blueprint(bp)


def _register_dossier_section() -> None:
    from app.dossiers import register_section
    from app.notes.dossier import load_notes

    register_section(
        70,
        "interviews",
        _l("Interviews and notes"),
        "dossiers/sections/interviews.html",
        load_notes,
    )
