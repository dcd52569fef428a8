"""Display names of the evidence feature's closed sets and audited actions, added to core's
label table from the feature's `init_app`."""

from collections.abc import Callable

from flask_babel import gettext as _
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


# Titles the platform writes on an item another feature adds, by code; the feature registers
# its wording (joint: a task report's attachment), the item keeps the code and the value.
TITLE_FORMS: dict[str, Callable[[str], str]] = {}


def register_title_form(code: str, words) -> None:
    """`words(value)` is the title in the current language."""
    TITLE_FORMS[code] = words


def evidence_title(code: str | None, value: str) -> str:
    words = TITLE_FORMS.get(code) if code else None
    return value if words is None else str(words(value))


def custody_note(event) -> str:
    """A custody entry's note in the reader's language: what the platform recorded as codes,
    then any text a person typed (a withdrawal's reason). A legacy note stays as written."""
    params = event.params or {}
    parts = []
    if params.get("dossier"):
        parts.append(_("In dossier %(document)s", document=params["dossier"]))
    if params.get("review"):
        parts.append(_("By a member of the review panel (review %(id)s)", id=params["review"]))
    if event.note:
        parts.append(event.note)
    return " · ".join(parts)
