"""Protection of the people in a case: complainant identity on a need-to-know basis,
masked respondent identifiers, and conflict-of-interest declarations before team work."""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("protection", __name__)


def init_app(app: Flask) -> None:
    from app.cases.extension_points import assignment_checks
    from app.core.extension_points import register_case_section
    from app.core.labels import register_labels
    from app.protection import labels as protection_labels
    from app.protection import views
    from app.protection.conflicts import require_clean_declaration

    protection_labels.register()
    assignment_checks.register(require_clean_declaration)
    register_labels(
        actions={
            "declare_conflicts": _l("Conflicts of interest declared"),
            "grant_complainant_access": _l("Complainant identity access granted"),
            "revoke_complainant_access": _l("Complainant identity access revoked"),
        }
    )
    register_case_section(
        30, "protection/_section.html", load=views.protection_for_case, name="protection"
    )
    app.register_blueprint(bp)
