"""Display names of the records' closed sets, added to the shared label table."""

from flask_babel import lazy_gettext as _l

from app.core.labels import register_labels
from app.records.models import AckStatus, DraftStage, RecognitionDecision, RecordStatus

_VALUES = [
    (RecordStatus.draft, _l("Draft")),
    (RecordStatus.active, _l("Active")),
    (RecordStatus.expired, _l("Expired")),
    (RecordStatus.revoked, _l("Revoked")),
    (RecordStatus.withdrawn, _l("Withdrawn")),
    (DraftStage.submitted, _l("Waiting for approval")),
    (DraftStage.returned, _l("Returned to the officer")),
    (DraftStage.held, _l("Approved, held until the review window closes")),
    (RecognitionDecision.recognise, _l("Recognised")),
    (RecognitionDecision.recognise_modified, _l("Recognised with modification")),
    (RecognitionDecision.decline, _l("Declined")),
    (AckStatus.pending, _l("Pending")),
    (AckStatus.delivered, _l("Delivered")),
    (AckStatus.failed, _l("Failed, retrying")),
]


def register() -> None:
    """Adds this feature's display names to core's label table (from `init_app`)."""
    register_labels(
        values=_VALUES,
        audit={
            "record.draft": _l("Integrity record drafted"),
            "record.approve": _l("Integrity record approved for publishing"),
            "record.amend": _l("Integrity record amended"),
            "record.hold": _l("Integrity record approved, held until the review window closes"),
            "record.publish_early": _l(
                "Integrity record published before the review window closed"
            ),
            "record.publish_held": _l("Held integrity record published"),
            "record.return": _l("Integrity record returned to the officer"),
            "record.resubmit": _l("Integrity record corrected and submitted again"),
            "record.withdraw": _l("Draft integrity record withdrawn"),
            "record.under_review": _l("Decision of a published integrity record under review"),
            "record.review_changed": _l("Review changed the decision of an integrity record"),
            "record.amend_due": _l(
                "Administrators asked to amend an integrity record after a review"
            ),
            "record.revoke_due": _l(
                "Administrators asked to revoke an integrity record after a review"
            ),
            "record.revoke": _l("Integrity record revoked"),
            "record.expire": _l("Integrity record expired"),
            "record.integrity_check": _l("Integrity check run"),
            "record.recognition": _l("Recognition decided"),
            "record.recognition_received": _l("Recognition received from a peer"),
        },
        objects={
            "IntegrityRecord": _l("Integrity record"),
        },
    )
