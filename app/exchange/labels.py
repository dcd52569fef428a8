"""Display names of the exchange's closed sets, added to the shared label table."""

from flask_babel import lazy_gettext as _l

from app.core.labels import register_labels
from app.exchange.models import DeliveryStatus

_VALUES = [
    (DeliveryStatus.pending, _l("Pending")),
    (DeliveryStatus.delivered, _l("Delivered")),
    (DeliveryStatus.failed, _l("Failed, retrying")),
]


def register() -> None:
    """Adds this feature's display names to core's label table (from `init_app`)."""
    register_labels(
        values=_VALUES,
        audit={
            "exchange.add_peer": _l("Exchange peer registered"),
            "exchange.disable_peer": _l("Exchange peer disabled"),
            "exchange.enable_peer": _l("Exchange peer enabled"),
            "exchange.sign_earlier_versions": _l("Earlier record versions signed for the exchange"),
        },
        objects={
            "ExchangePeer": _l("Exchange peer"),
        },
    )
