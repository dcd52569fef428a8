"""Display names of the evidence feature's closed sets and audited actions, added to core's
label table from the feature's `init_app`."""

from flask_babel import lazy_gettext as _l

from app.core.labels import register_labels


def register() -> None:
    """Adds this feature's display names to core's label table (from `init_app`)."""
    register_labels(
        audit={
            "evidence.add": _l("Evidence added"),
            "evidence.added": _l("Evidence added"),
            "evidence.viewed": _l("Evidence viewed"),
            "evidence.downloaded": _l("Evidence downloaded"),
            "evidence.exported": _l("Evidence exported in a dossier"),
            "evidence.withdraw": _l("Evidence withdrawn"),
            "evidence.withdrawn": _l("Evidence withdrawn"),
            "evidence.marked_for_panel": _l("Evidence marked for the review panel"),
            "evidence.unmarked_for_panel": _l("Evidence no longer marked for the review panel"),
            "evidence.sweep": _l("Unreferenced files removed"),
        },
        objects={
            "EvidenceItem": _l("Evidence"),
        },
    )
