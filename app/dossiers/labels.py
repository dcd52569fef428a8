"""Display names of the dossiers feature's closed sets and audited actions, added to core's
label table from the feature's `init_app`."""

from flask_babel import lazy_gettext as _l

from app.core.labels import register_labels


def register() -> None:
    """Adds this feature's display names to core's label table (from `init_app`)."""
    register_labels(
        audit={
            "dossier.requested": _l("Dossier requested"),
            "dossier.generated": _l("Dossier generated"),
            "dossier.downloaded": _l("Dossier downloaded"),
        },
        objects={
            "Dossier": _l("Dossier"),
        },
    )
