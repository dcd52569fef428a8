"""Display names of the reports' closed sets and audit actions."""

from flask_babel import lazy_gettext as _l

from app.core.labels import register_labels
from app.reports.models import SubjectKind

_VALUES = [
    (SubjectKind.person, _l("Person")),
    (SubjectKind.institution, _l("Institution")),
]

# The kinds of signed documents (`SignedDocument.kind`) this page can name; a kind another
# feature adds later shows as its code until it is named here.
DOCUMENT_KINDS = {
    "integrity_report": _l("Integrity report"),
    "dossier": _l("Case dossier"),
}


def document_kind(kind: str | None) -> str:
    return str(DOCUMENT_KINDS.get(kind or "", kind or ""))


def register() -> None:
    register_labels(
        values=_VALUES,
        audit={
            "report.issued": _l("Integrity report issued"),
            "report.downloaded": _l("Integrity report downloaded"),
            "document.verified": _l("Signed document verified"),
        },
        objects={"IntegrityReport": _l("Integrity report")},
    )
