"""PDF case dossiers: generated in a background job, stored once with their SHA-256,
downloaded with an audit entry, and verifiable when a copy comes back."""

from flask import Blueprint, Flask

from app.dossiers import models  # noqa: F401  (tables for migrations)
from app.dossiers.registry import register_section, register_verifier

bp = Blueprint("dossiers", __name__)

__all__ = ["bp", "init_app", "register_section", "register_verifier"]


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from app.dossiers import labels as dossiers_labels

    dossiers_labels.register()
    from app.core.extension_points import register_case_section, register_nav
    from app.dossiers import cli, views
    from app.dossiers.loader import register_builtin_sections

    register_builtin_sections()
    app.register_blueprint(bp)
    register_case_section(
        90, "dossiers/_case_section.html", load=views.dossier_panel, name="dossiers"
    )
    register_nav(85, "dossiers.verify", _l("Verify a dossier"), lambda user: True)
    cli.init_app(app)
