"""Integrity records and their signed exchange between deployments (信息共享与互认)."""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("records", __name__)


def init_app(app: Flask) -> None:
    from app.core import register_case_section, register_nav
    from app.exchange import api, cli, labels, models, views  # noqa: F401  (routes register on import)
    from app.exchange.node import check_key_files
    from app.exchange.services import CHECK_ROLES, VIEW_ROLES, can_manage_peers
    from app.extensions import csrf

    check_key_files(app)
    app.register_blueprint(bp)
    for blueprint in (api.bp, api.wellknown):
        csrf.exempt(blueprint)
        app.register_blueprint(blueprint)
    cli.init_app(app)
    register_nav(
        40, "records.record_list", _l("Integrity records"), lambda user: user.has_role(*VIEW_ROLES)
    )
    register_nav(
        41, "records.check", _l("Integrity check"), lambda user: user.has_role(*CHECK_ROLES)
    )
    register_nav(84, "records.peers", _l("Exchange peers"), can_manage_peers)
    from app.core import register_dashboard_panel, register_nav_badge
    from app.exchange.queues import record_queue_count, record_queues

    register_nav_badge("records.record_list", record_queue_count)
    register_dashboard_panel(40, "records/_dashboard.html")
    app.jinja_env.globals["record_queues"] = record_queues
    register_case_section(60, "records/_case_section.html", views.case_section_visible)
