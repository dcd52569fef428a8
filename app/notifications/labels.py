"""Display names of the notifications feature's closed sets and audited actions, added to core's
label table from the feature's `init_app`."""

from flask_babel import lazy_gettext as _l

from app.core.labels import register_labels


def register() -> None:
    """Adds this feature's display names to core's label table (from `init_app`)."""
    register_labels(
        audit={
            "notifications.email_mode": _l("Email mode changed"),
        },
    )
