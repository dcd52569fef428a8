"""Display names of the records' closed sets, added to the shared label table."""

from flask_babel import lazy_gettext as _l

from app.core.labels import LABELS
from app.records.models import AckStatus, RecognitionDecision, RecordStatus

LABELS.update(
    [
        (RecordStatus.draft, _l("Draft")),
        (RecordStatus.active, _l("Active")),
        (RecordStatus.expired, _l("Expired")),
        (RecordStatus.revoked, _l("Revoked")),
        (RecognitionDecision.recognise, _l("Recognised")),
        (RecognitionDecision.recognise_modified, _l("Recognised with modification")),
        (RecognitionDecision.decline, _l("Declined")),
        (AckStatus.pending, _l("Pending")),
        (AckStatus.delivered, _l("Delivered")),
        (AckStatus.failed, _l("Failed, retrying")),
    ]
)
