"""Statistics: an agency's figures, the region's (small counts withheld), an institution's
profile, CSV and Excel exports, the API and the annual report (年度报告).

Figures come from a registry (`register_figure`); committees, joint investigations and any
later feature add theirs from their own module, and every page, export, API answer and
report picks them up."""

from flask import Blueprint, Flask

from app.statistics import models  # noqa: F401  (tables for migrations)
from app.statistics.figures import Figure, register_figure

bp = Blueprint("statistics", __name__, url_prefix="/statistics")

__all__ = ["Figure", "bp", "init_app", "register_figure"]


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from app.statistics import labels as statistics_labels

    statistics_labels.register()
    from app.cases.extension_points import case_changed
    from app.core.extension_points import register_nav
    from app.statistics import views  # noqa: F401
    from app.statistics.case_figures import register_case_figures
    from app.statistics.permissions import may_view_agency
    from app.statistics.record_figures import register_record_figures
    from app.statistics.summaries import refresh_summary

    register_case_figures()
    register_record_figures()
    case_changed.register(refresh_summary)
    app.register_blueprint(bp)
    register_nav(45, "statistics.agency", _l("Figures"), may_view_agency)
