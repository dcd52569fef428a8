"""Integrity records (信用记录): drafted from a decided case, approved and published, amended or
revoked after review, expired at the end of their term, recognised by other agencies, and
found by integrity checks. Their signed exchange between deployments is `app.exchange`."""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("records", __name__)


def init_app(app: Flask) -> None:
    from app.cases.extension_points import after_transition, related_matters
    from app.core.extension_points import register_case_section, register_nav
    from app.records import labels as records_labels
    from app.records import models, remedy_views, views  # noqa: F401  (routes register on import)
    from app.records.permissions import CHECK_ROLES, VIEW_ROLES, case_section_visible
    from app.records.related import records_in_force
    from app.records.services import after_review
    from app.records.views import case_section_data

    records_labels.register()
    from app.records import portal

    portal.register()  # a subject's objection on the public portal (app.reporting)
    from app.core.extension_points import register_policy_numbers
    from app.records.policy import policy_numbers

    register_policy_numbers(policy_numbers)
    related_matters.register(records_in_force)
    after_transition.register(after_review)
    app.register_blueprint(bp)
    register_nav(
        40, "records.record_list", _l("Integrity records"), lambda user: user.has_role(*VIEW_ROLES)
    )
    register_nav(
        41, "records.check", _l("Integrity check"), lambda user: user.has_role(*CHECK_ROLES)
    )
    register_case_section(
        60,
        "records/_case_section.html",
        case_section_visible,
        load=case_section_data,
        name="records",
    )
    from app.core.extension_points import register_dashboard_panel, register_nav_badge
    from app.records.queues import record_queue_badge, record_queues, remedy_queues

    register_nav_badge("records.record_list", record_queue_badge)
    register_dashboard_panel(40, "records/_dashboard.html", record_queues)
    register_dashboard_panel(41, "records/_remedies_dashboard.html", remedy_queues)
