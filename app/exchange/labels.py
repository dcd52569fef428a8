"""Display names of the exchange's closed sets, added to the shared label table."""

from flask_babel import lazy_gettext as _l

from app.core.labels import LABELS
from app.exchange.models import DeliveryStatus, RecognitionDecision, RecordStatus

LABELS.update(
    {
        RecordStatus.draft: _l("Draft"),
        RecordStatus.active: _l("Active"),
        RecordStatus.expired: _l("Expired"),
        RecordStatus.revoked: _l("Revoked"),
        DeliveryStatus.pending: _l("Pending"),
        DeliveryStatus.delivered: _l("Delivered"),
        DeliveryStatus.failed: _l("Failed, retrying"),
        RecognitionDecision.recognise: _l("Recognised"),
        RecognitionDecision.recognise_modified: _l("Recognised with modification"),
        RecognitionDecision.decline: _l("Declined"),
    }
)
