"""Evidence: files and physical items of a case, content-addressed, with chain of custody."""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("evidence", __name__)


def init_app(app: Flask) -> None:
    from app.core import register_case_section
    from app.core.labels import LABELS
    from app.evidence import views
    from app.evidence.models import CustodyAction, EvidenceKind, Visibility

    LABELS.update(
        {
            EvidenceKind.file: _l("File"),
            EvidenceKind.physical: _l("Physical item"),
            Visibility.internal: _l("Internal"),
            Visibility.shared: _l("Shared with joint investigation"),
            CustodyAction.added: _l("Added"),
            CustodyAction.viewed: _l("Viewed"),
            CustodyAction.downloaded: _l("Downloaded"),
            CustodyAction.exported: _l("Exported"),
            CustodyAction.withdrawn: _l("Withdrawn"),
        }
    )
    register_case_section(40, "evidence/_section.html")
    app.jinja_env.globals["evidence_for_case"] = views.evidence_for_case
    app.register_blueprint(bp)
