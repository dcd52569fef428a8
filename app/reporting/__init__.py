"""The public reporting portal (网上举报) and the agencies' intake of its reports.

Builds on cases (a report becomes a case), evidence (the file store's rules) and protection
(the reporter's identity as the complainant's); none of them knows this feature.
"""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("reporting", __name__)

PORTAL_POSTS = ("report_form", "receipt", "confirm", "follow_up_login")
FILING_POSTS = ("filing_form",)


def init_app(app: Flask) -> None:
    from app.core.extension_points import (
        register_dashboard_panel,
        register_nav,
        register_nav_badge,
    )
    from app.extensions import csrf
    from app.reporting import filing_pages, handoffs, labels, portal, views
    from app.reporting.figures import register_report_figures
    from app.reporting.permissions import may_use_intake

    labels.register()
    handoffs.register()
    register_report_figures()
    # In "More": the bar stays one line at 1280 px in English (test_nav_browser).
    register_nav(81, "reporting.intake", _l("Intake"), may_use_intake)
    register_nav_badge("reporting.intake", views.intake_badge, _l("reports waiting"))
    register_dashboard_panel(40, "reporting/_overdue_panel.html", views.overdue_panel)
    app.register_blueprint(bp)
    # The portal's first posts come before any session exists (no cookie before submit):
    # they are checked for a same-site origin instead (app.reporting.portal._same_site).
    for name in PORTAL_POSTS:
        csrf.exempt(getattr(portal, name))
    for name in FILING_POSTS:
        csrf.exempt(getattr(filing_pages, name))
