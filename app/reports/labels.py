"""Display names of the reports' closed sets and audit actions."""

from flask_babel import lazy_gettext as _l

from app.core.labels import register_labels
from app.core.pdfsign import register_document_kind
from app.reports.models import SubjectKind

_VALUES = [
    (SubjectKind.person, _l("Person")),
    (SubjectKind.institution, _l("Institution")),
]


def register() -> None:
    # Dossiers are signed by the dossiers feature, which knows no reports: named here.
    register_document_kind("integrity_report", _l("Integrity report"))
    register_document_kind("dossier", _l("Case dossier"))
    register_labels(
        values=_VALUES,
        audit={
            "report.issued": _l("Integrity report issued"),
            "report.downloaded": _l("Integrity report downloaded"),
            "document.verified": _l("Signed document verified"),
        },
        objects={"IntegrityReport": _l("Integrity report")},
    )
