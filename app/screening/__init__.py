"""Batch screening (区域科研诚信评价产品): a programme office screens an applicant list against
every record in force this node holds, local and received, by the keyed matching hash.
Builds on `app.records` (its matching); nothing builds on screening."""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("screening", __name__)


def init_app(app: Flask) -> None:
    from app.core.extension_points import register_nav
    from app.screening import labels, models, views  # noqa: F401  (routes register on import)
    from app.screening.figures import register_screening_figures
    from app.screening.services import may_screen

    labels.register()
    register_screening_figures()
    app.register_blueprint(bp)
    register_nav(42, "screening.screening_list", _l("Screening"), may_screen)
