"""Display names of the exchange's closed sets, added to the shared label table."""

from flask_babel import lazy_gettext as _l

from app.core.labels import LABELS
from app.exchange.models import DeliveryStatus

LABELS.update(
    [
        (DeliveryStatus.pending, _l("Pending")),
        (DeliveryStatus.delivered, _l("Delivered")),
        (DeliveryStatus.failed, _l("Failed, retrying")),
    ]
)
