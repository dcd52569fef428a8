"""Official documents of a case (文书): drafted from the agency's templates, issued with the
agency's number (文号), rendered to PDF by the dossier machinery, and served (送达); the
service date starts the defence and review-request windows."""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

from app.documents import models  # noqa: F401  (tables for migrations)

bp = Blueprint("documents", __name__)


def init_app(app: Flask) -> None:
    from app.core.extension_points import register_case_section, register_nav
    from app.documents import labels, views
    from app.documents.dossier import load_documents
    from app.documents.permissions import PART, may_edit_templates
    from app.documents.services import verify_document
    from app.dossiers import register_section, register_verifier

    labels.register()
    register_case_section(88, "documents/_section.html", load=views.documents_for_case, name=PART)
    register_section(
        105, PART, _l("Official documents"), "dossiers/sections/documents.html", load_documents
    )
    register_verifier(PART, verify_document)
    register_nav(
        86, "documents.templates", _l("Document templates"), lambda u: may_edit_templates(u)
    )
    app.register_blueprint(bp)
