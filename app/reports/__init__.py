"""Integrity reports (诚信报告): a signed PDF stating, as of a time, the records in force for
one person or institution across the region (local and received), with a verification code;
and the verify page and API for every PDF the platform signs (`app.core.pdfsign`).
Builds on records, one way."""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("reports", __name__)


def init_app(app: Flask) -> None:
    from app.core.extension_points import register_nav
    from app.records.extension_points import register_report_records
    from app.reports import labels as reports_labels
    from app.reports import models, views  # noqa: F401  (routes register on import)
    from app.reports.permissions import can_request_report, can_verify
    from app.reports.services import records_of_code

    reports_labels.register()
    register_report_records(records_of_code)
    app.register_blueprint(bp)
    # In the "More" menu: the bar stays one line at 1280 px (tests/platform/test_nav_browser.py).
    register_nav(81, "reports.report_list", _l("Integrity reports"), can_request_report)
    register_nav(86, "reports.verify", _l("Verify a document"), can_verify)
