"""The signed exchange of integrity records between deployments (信息共享与互认): this
node's identity, envelopes, receiving, the node API, deliveries, pulls and peers."""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("exchange", __name__)


def init_app(app: Flask) -> None:
    from app.core.extension_points import register_nav
    from app.exchange import api, cli, models, views  # noqa: F401  (routes register on import)
    from app.exchange import labels as exchange_labels
    from app.exchange.node import check_key_files
    from app.exchange.services import can_manage_peers
    from app.extensions import csrf

    exchange_labels.register()
    check_key_files(app)
    app.register_blueprint(bp)
    for blueprint in (api.bp, api.wellknown):
        csrf.exempt(blueprint)
        app.register_blueprint(blueprint)
    cli.init_app(app)
    register_nav(84, "exchange.peers", _l("Exchange peers"), can_manage_peers)
