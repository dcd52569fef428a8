"""The signed exchange of integrity records between deployments (信息共享与互认): peers,
receiving, the node API, deliveries and pulls. This node's key pair and the sealing of
envelopes are in core (`app.core.node`, `app.core.envelopes`): records and the audit
checkpoints sign with them too."""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("exchange", __name__)


def init_app(app: Flask) -> None:
    from app.core import register_nav
    from app.core.node import check_key_files
    from app.exchange import api, cli, labels, models, views  # noqa: F401  (routes register on import)
    from app.exchange.services import can_manage_peers
    from app.extensions import csrf

    check_key_files(app)
    app.register_blueprint(bp)
    for blueprint in (api.bp, api.wellknown):
        csrf.exempt(blueprint)
        app.register_blueprint(blueprint)
    cli.init_app(app)
    register_nav(84, "exchange.peers", _l("Exchange peers"), can_manage_peers)
