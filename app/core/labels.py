"""Display names of the closed sets and of every code a page shows, in the user's language.

The machinery is here; the names are the features'. Each feature adds its own with
`register_labels` from its `init_app` (its `labels.py`), so core knows no feature's enums.
A code nobody registered reads as "other action" (or its bare value), never crashes a page."""

import enum

from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from app.core.identifiers import IdType


class LabelTable(dict):
    """Labels keyed by member *and* enum: several closed sets share a value ("other" is a
    misconduct type and a sanction type), and a plain dict would let the later label win.
    It takes (member, label) pairs and refuses a dict: equal string-enum members collapse
    into one key of a dict literal before the table could tell them apart."""

    @staticmethod
    def _key(value):
        return (type(value), value.value) if isinstance(value, enum.Enum) else (str, value)

    def __init__(self, pairs=()):
        super().__init__()
        self.update(pairs)

    def __setitem__(self, key, label) -> None:
        super().__setitem__(self._key(key), label)

    def __getitem__(self, key):
        return super().__getitem__(self._key(key))

    def __contains__(self, key) -> bool:
        return super().__contains__(self._key(key))

    def get(self, key, default=None):
        return super().get(self._key(key), default)

    def update(self, pairs=()) -> None:
        if isinstance(pairs, dict):
            raise TypeError("give LabelTable (member, label) pairs, not a dict")
        for key, label in pairs:
            self[key] = label


LABELS = LabelTable(
    [
        (IdType.resident_id, _l("Resident ID card")),
        (IdType.passport, _l("Passport")),
        (IdType.uscc, _l("Unified social credit code")),
        (IdType.other, _l("Other")),
    ]
)


def register_labels(
    *,
    values=(),
    actions: dict | None = None,
    audit: dict | None = None,
    objects: dict | None = None,
) -> None:
    """A feature's display names: `values` as (enum member, label) pairs, `actions` by
    history action code, `audit` by audit action code, `objects` by model class name.
    Registering the same names again changes nothing."""
    LABELS.update(values)
    ACTION_LABELS.update(actions or {})
    AUDIT_ACTION_LABELS.update(audit or {})
    OBJECT_TYPE_LABELS.update(objects or {})


def label(value) -> str:
    found = LABELS.get(value)
    return str(found) if found is not None else str(getattr(value, "value", value) or "")


def id_type_label(value: str | None) -> str:
    """ID types are stored as plain strings; unknown old values show as "other"."""
    if not value:
        return ""
    try:
        return label(IdType(value))
    except ValueError:
        return label(IdType.other)


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the options of a WTForms select field."""
    return [SelectChoice(value, text) for value, text in pairs]


def choices(enum_cls) -> list[SelectChoice]:
    return options((member.value, label(member)) for member in enum_cls)


# Timeline entries: history action code -> label.
ACTION_LABELS: dict[str, object] = {}


def action_label(action: str) -> str:
    """A timeline entry by the name its feature registered (cases registers each workflow
    step's), never the code itself."""
    found = ACTION_LABELS.get(action)
    return str(found) if found is not None else str(_l("Other action"))


FILE_TYPE_LABELS = {
    "application/pdf": _l("PDF document"),
    "image/png": _l("PNG image"),
    "image/jpeg": _l("JPEG image"),
    "image/gif": _l("GIF image"),
    "image/tiff": _l("TIFF image"),
    "image/webp": _l("WebP image"),
    "text/plain": _l("Text file"),
    "text/csv": _l("CSV table"),
    "application/msword": _l("Word document"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": _l("Word document"),
    "application/vnd.ms-excel": _l("Excel workbook"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": _l("Excel workbook"),
    "application/zip": _l("ZIP archive"),
    "message/rfc822": _l("E-mail message"),
    "audio/mpeg": _l("MP3 audio"),
    "audio/x-wav": _l("WAV audio"),
    "video/mp4": _l("MP4 video"),
    "application/x-dosexec": _l("Windows program"),
    "application/x-executable": _l("Program"),
    "application/x-pie-executable": _l("Program"),
    "application/x-sharedlib": _l("Program library"),
    "application/x-mach-binary": _l("Program"),
    "text/x-shellscript": _l("Script"),
    "text/x-script.python": _l("Script"),
    "application/javascript": _l("Script"),
    "text/html": _l("Web page"),
    "image/svg+xml": _l("SVG drawing"),
    "application/x-rar": _l("RAR archive"),
    "application/x-7z-compressed": _l("7-Zip archive"),
    "application/gzip": _l("Compressed archive"),
    "application/x-tar": _l("Compressed archive"),
    "application/octet-stream": _l("Unrecognised binary data"),
}


def file_type_label(mime_type: str | None) -> str:
    """Detected content types in words; any other type is named by its family."""
    found = FILE_TYPE_LABELS.get((mime_type or "").lower())
    if found is not None:
        return str(found)
    family = (mime_type or "").partition("/")[0]
    return str(
        {
            "image": _l("Image of another format"),
            "audio": _l("Audio of another format"),
            "video": _l("Video of another format"),
            "text": _l("Text of another format"),
        }.get(family, _l("File of another type"))
    )


# Audit entries: action code -> label.
AUDIT_ACTION_LABELS: dict[str, object] = {
    "calendar.add": _l("Calendar day set"),
    "calendar.remove": _l("Calendar day removed"),
}


def audit_action_label(code: str) -> str:
    """An audit entry by the name its feature registered. An action nobody registered reads
    as "other action", never as its code."""
    found = AUDIT_ACTION_LABELS.get(code)
    return str(found) if found is not None else str(_l("Other action"))


# Audited objects: model class name -> label.
OBJECT_TYPE_LABELS: dict[str, object] = {}


def object_type_label(type_name: str | None) -> str:
    if not type_name:
        return ""
    return str(OBJECT_TYPE_LABELS.get(type_name, _l("Other object")))


# What the audit page filters by: the first part of an action code, named.
AUDIT_AREAS = (
    ("case.", _l("Cases")),
    ("evidence.", _l("Evidence")),
    ("note.", _l("Interviews and notes")),
    ("complainant.", _l("Complainant identity")),
    ("dossier.", _l("Dossiers")),
    ("committee.", _l("Committees and the expert pool")),
    ("record.", _l("Integrity records")),
    ("exchange.", _l("Exchange peers")),
    ("auth.", _l("Signing in and out")),
    ("user.", _l("Users")),
    ("token.", _l("API tokens")),
    ("agency.", _l("Deadline policy")),
    ("calendar.", _l("Working-day calendar")),
    ("audit.", _l("Audit log")),
)
