"""Cases: registration, the statutory workflow, team and deadlines."""

from flask import Blueprint, Flask

bp = Blueprint("cases", __name__)


def init_app(app: Flask) -> None:
    # Transfers are reached from the dashboard, not the navigation bar, which has room
    # for one line of entries (tests/test_nav_browser.py).
    from app.cases import transfer_views, views  # noqa: F401  (routes register on import)
    from app.cases.queries import queue_count
    from app.core import register_nav_badge

    app.register_blueprint(bp)
    register_nav_badge("cases.dashboard", queue_count)
    _register_dossier_section()


def _register_dossier_section() -> None:
    from flask_babel import lazy_gettext as _l

    from app.cases.transfers import load_transfer_dossier
    from app.dossiers import register_section

    register_section(
        45, "transfers", _l("Transfers"), "dossiers/sections/transfers.html", load_transfer_dossier
    )
