"""Display names of the statistics feature's audit actions, added to the shared tables."""

from flask_babel import lazy_gettext as _l

from app.core.labels import AUDIT_ACTION_LABELS, OBJECT_TYPE_LABELS

AUDIT_ACTION_LABELS.update(
    {
        "statistics.report_requested": _l("Annual report requested"),
        "statistics.report_generated": _l("Annual report generated"),
    }
)
OBJECT_TYPE_LABELS["AnnualReport"] = _l("Annual report")
