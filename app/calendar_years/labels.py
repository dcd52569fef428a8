"""Display names of the calendar years' audited actions and objects."""

from flask_babel import lazy_gettext as _l

from app.core.labels import register_labels


def register() -> None:
    register_labels(
        audit={
            "calendar.year_import": _l("Calendar year entered"),
            "calendar.year_change": _l("Calendar year changed"),
            "calendar.year_confirm": _l("Calendar year confirmed"),
        },
        objects={"CalendarYear": _l("Calendar year")},
    )
