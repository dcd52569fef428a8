"""Interviews and notes of a case (谈话笔录 and working notes), internal or shared."""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("notes", __name__)


def init_app(app: Flask) -> None:
    from app.core import register_case_section
    from app.core.labels import LABELS
    from app.notes import views
    from app.notes.models import NoteKind

    LABELS.update([(NoteKind.interview, _l("Interview")), (NoteKind.note, _l("Note"))])
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
