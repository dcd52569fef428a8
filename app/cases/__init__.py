"""Cases: registration, the statutory workflow, team and deadlines."""

from flask import Blueprint, Flask

bp = Blueprint("cases", __name__)


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from app.cases import transfer_views, views  # noqa: F401  (routes register on import)
    from app.cases.permissions import AGENCY_READ_ROLES
    from app.core import NAV_ITEMS, register_nav

    app.register_blueprint(bp)
    _register_dossier_section()
    if not any(item[1] == "cases.transfers" for item in NAV_ITEMS):  # one entry however many apps
        register_nav(
            30, "cases.transfers", _l("Transfers"), lambda user: user.has_role(*AGENCY_READ_ROLES)
        )


def _register_dossier_section() -> None:
    from flask_babel import lazy_gettext as _l

    from app.cases.transfers import load_transfer_dossier
    from app.dossiers import register_section

    register_section(
        45, "transfers", _l("Transfers"), "dossiers/sections/transfers.html", load_transfer_dossier
    )
