"""Display names of the notes feature's closed sets and audited actions, added to core's
label table from the feature's `init_app`."""

from flask_babel import lazy_gettext as _l

from app.core.labels import register_labels


def register() -> None:
    """Adds this feature's display names to core's label table (from `init_app`)."""
    register_labels(
        audit={
            "note.add.interview": _l("Interview record added"),
            "note.add.note": _l("Note added"),
            "note.marked_for_panel": _l("Note marked for the review panel"),
            "note.unmarked_for_panel": _l("Note no longer marked for the review panel"),
        },
        objects={
            "CaseNote": _l("Note"),
        },
    )
