"""Display names of the statistics feature's audit actions, added to core's label table from
the feature's `init_app`."""

from flask_babel import lazy_gettext as _l

from app.core.labels import register_labels


def register() -> None:
    register_labels(
        audit={
            "statistics.report_requested": _l("Annual report requested"),
            "statistics.report_generated": _l("Annual report generated"),
        },
        objects={"AnnualReport": _l("Annual report")},
    )
