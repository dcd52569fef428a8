"""Display names of the records' closed sets, added to the shared label table."""

from flask_babel import lazy_gettext as _l

from app.core.labels import register_labels
from app.records.models import (
    AckStatus,
    DraftStage,
    ObjectionResolution,
    ObjectionState,
    RecognitionDecision,
    RecordStatus,
    RepairState,
)

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
    (ObjectionState.pending, _l("Being handled")),
    (ObjectionState.forwarded, _l("Forwarded to the deciding agency")),
    (ObjectionState.upheld, _l("Upheld")),
    (ObjectionState.dismissed, _l("Dismissed")),
    (ObjectionResolution.corrected, _l("Corrected")),
    (ObjectionResolution.revoked, _l("Revoked")),
    (RepairState.pending, _l("Waiting for the decision")),
    (RepairState.approved, _l("Repair approved")),
    (RepairState.refused, _l("Repair refused")),
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
            "record.objection_register": _l("Objection to an integrity record registered"),
            "record.objection_portal": _l("Objection to an integrity record filed on the portal"),
            "record.objection_file": _l("File of an objection downloaded"),
            "record.objection_mark": _l("Integrity record marked under objection"),
            "record.objection_forward": _l("Objection forwarded to the deciding agency"),
            "record.objection_decide": _l("Objection decided"),
            "record.objection_clear": _l("Objection mark cleared from an integrity record"),
            "record.repair_request": _l("Credit repair requested"),
            "record.repair_decide": _l("Credit repair request decided"),
            "record.repair": _l("Integrity record repaired: out of checks"),
            "record.repair_file": _l("Credit repair file downloaded"),
        },
        objects={
            "IntegrityRecord": _l("Integrity record"),
        },
    )
