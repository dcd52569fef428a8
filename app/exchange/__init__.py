"""The signed exchange of integrity records between deployments (信息共享与互认): peers,
receiving, the node API, deliveries and pulls. This node's key pair and the sealing of
envelopes are in core (`app.core.node`, `app.core.envelopes`): records and the audit
checkpoints sign with them too."""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("exchange", __name__)


def init_app(app: Flask) -> None:
    from app.core.extension_points import register_nav
    from app.core.node import check_key_files
    from app.exchange import api, cli, files, models, services, views  # noqa: F401  (routes register on import)
    from app.exchange import labels as exchange_labels
    from app.exchange.services import can_manage_peers
    from app.extensions import csrf

    exchange_labels.register()
    check_key_files(app)
    from app.core.pdfsign import trusted_node_sources

    trusted_node_sources.register(services.peer_keys)
    _listen_to_records()
    app.register_blueprint(bp)
    for blueprint in (api.bp, api.wellknown):
        csrf.exempt(blueprint)
        app.register_blueprint(blueprint)
    cli.init_app(app)
    register_nav(84, "exchange.peers", _l("Exchange peers"), can_manage_peers)
    from app.core.extension_points import register_dashboard_panel
    from app.exchange.status import exchange_overview

    register_dashboard_panel(7, "exchange/_platform_dashboard.html", exchange_overview)


def _listen_to_records() -> None:
    """The exchange builds on records: it delivers what records publish, sends back the
    recognition decisions taken here, and shows a record's deliveries on its page."""
    from app.exchange import services, views
    from app.records.extension_points import (
        register_recognition_decided,
        register_record_section,
        register_version_published,
    )

    register_version_published(services.deliver_published)
    register_recognition_decided(services.send_decided_recognition)
    register_record_section(
        50,
        "exchange/_record_deliveries.html",
        load=views.record_deliveries,
        visible=views.deliveries_shown,
    )
