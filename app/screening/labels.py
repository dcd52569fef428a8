"""Display names of the screening feature's closed sets, problems and audited actions."""

from flask_babel import lazy_gettext as _l

from app.core.labels import register_labels
from app.screening.models import RowState, ScreeningStatus

PROBLEM_LABELS = {
    "missing_name": _l("The name is missing."),
    "too_long": _l("A name or institution is longer than 200 characters."),
    "missing_id": _l("The ID number is missing."),
    "unknown_id_type": _l(
        "Unknown ID type: write 居民身份证, 护照, 统一社会信用代码 or 其他 (or leave it empty)."
    ),
    "invalid_id": _l(
        "The ID number is not valid for its type (length, date of birth or check digit)."
    ),
}

_VALUES = [
    (ScreeningStatus.queued, _l("Waiting")),
    (ScreeningStatus.running, _l("Running")),
    (ScreeningStatus.finished, _l("Finished")),
    (ScreeningStatus.failed, _l("Failed")),
    (RowState.pending, _l("Waiting")),
    (RowState.clear, _l("Clear")),
    (RowState.record, _l("Record in force")),
    (RowState.objection, _l("Under objection")),
    (RowState.bad, _l("Not screened")),
]


def register() -> None:
    register_labels(
        values=_VALUES,
        audit={
            "screening.submit": _l("Applicant list submitted for screening"),
            "screening.finish": _l("Screening finished"),
            "screening.fail": _l("Screening failed"),
            "screening.download": _l("Screening result downloaded"),
        },
        objects={"Screening": _l("Screening")},
    )
