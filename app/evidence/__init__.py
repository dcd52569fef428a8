"""Evidence: files and physical items of a case, content-addressed, with chain of custody."""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("evidence", __name__)


def init_app(app: Flask) -> None:
    from app.cases.extension_points import material_counts
    from app.core.extension_points import register_case_section
    from app.core.labels import register_labels
    from app.evidence import cli, views
    from app.evidence import labels as evidence_labels
    from app.evidence.models import CustodyAction, EvidenceKind, Visibility
    from app.evidence.services import count_for_case, size_label

    evidence_labels.register()
    register_labels(
        values=[
            (EvidenceKind.file, _l("File")),
            (EvidenceKind.physical, _l("Physical item")),
            (Visibility.internal, _l("Internal")),
            (Visibility.shared, _l("Shared with joint investigation")),
            (CustodyAction.added, _l("Added")),
            (CustodyAction.viewed, _l("Viewed")),
            (CustodyAction.downloaded, _l("Downloaded")),
            (CustodyAction.exported, _l("Exported")),
            (CustodyAction.withdrawn, _l("Withdrawn")),
            (CustodyAction.marked_for_panel, _l("Marked for the review panel")),
            (CustodyAction.unmarked_for_panel, _l("No longer marked for the review panel")),
        ]
    )
    _refuse_store_in_web_root(app)
    material_counts["evidence"] = count_for_case
    register_case_section(
        40, "evidence/_section.html", load=views.evidence_for_case, name="evidence"
    )
    _register_dossier_section()
    app.jinja_env.filters["filesize"] = size_label
    app.register_blueprint(bp)
    cli.init_app(app)


def _register_dossier_section() -> None:
    from app.dossiers import register_section
    from app.evidence.dossier import load_evidence, record_exports

    register_section(
        60,
        "evidence",
        _l("Evidence inventory"),
        "dossiers/sections/evidence.html",
        load_evidence,
        on_stored=record_exports,
    )


def _refuse_store_in_web_root(app: Flask) -> None:
    """Evidence leaves only through the app's logged, access-checked routes."""
    from pathlib import Path

    from app.core.secrets import ConfigurationError

    store = Path(app.config["FILE_STORE"]).resolve()
    static = Path(app.static_folder).resolve()
    if store == static or static in store.parents:
        raise ConfigurationError("FILE_STORE must not lie inside the web root (app/static)")
