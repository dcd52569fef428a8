"""Display names of the protection feature's closed sets and audited actions, added to core's
label table from the feature's `init_app`."""

from flask_babel import lazy_gettext as _l

from app.core.labels import register_labels


def register() -> None:
    """Adds this feature's display names to core's label table (from `init_app`)."""
    register_labels(
        audit={
            "case.declare_conflicts": _l("Conflicts of interest declared"),
            "complainant.view": _l("Complainant identity viewed"),
            "complainant.grant": _l("Complainant identity access granted"),
            "complainant.revoke": _l("Complainant identity access revoked"),
        },
        objects={
            "ConflictDeclaration": _l("Conflict declaration"),
        },
    )
