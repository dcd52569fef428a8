"""The audit log as auditors read it: filters, pages and a streamed CSV export."""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("auditing", __name__)


def init_app(app: Flask) -> None:
    from app.auditing import labels as auditing_labels
    from app.auditing import views  # noqa: F401  (routes register on import)
    from app.auditing.status import audit_overview
    from app.auditing.views import is_auditor
    from app.core.extension_points import register_dashboard_panel, register_nav

    auditing_labels.register()
    register_nav(90, "auditing.audit_log", _l("Audit log"), is_auditor)
    register_dashboard_panel(9, "auditing/_platform_dashboard.html", audit_overview)
    app.register_blueprint(bp)
