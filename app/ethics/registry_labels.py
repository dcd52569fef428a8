"""Display names of the registry's closed sets, statuses and audit actions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp

from app.core.labels import register_labels
from app.ethics.registry_models import RegistrationState, ReportKind

VALUES = [
    (RegistrationState.submitted, _lp("registry", "Waiting for the authority")),
    (RegistrationState.accepted, _lp("registry", "Accepted")),
    (RegistrationState.returned, _lp("registry", "Returned")),
    (ReportKind.work, _l("Annual work report")),
    (ReportKind.listed, _l("Listed-activities report")),
]

# A committee's status in the registry (its last filing, or none yet).
STATUS = {
    "registered": _lp("registry", "Registered"),
    "change_due": _l("Registered; a change is to be registered"),
    "submitted": _lp("registry", "Waiting for the authority"),
    "returned": _lp("registry", "Returned"),
    "unregistered": _l("Not registered"),
}

AUDIT = {
    "ethics.registry.file": _l("Ethics committee registration filed"),
    "ethics.registry.accept": _l("Ethics committee registration accepted"),
    "ethics.registry.return": _l("Ethics committee registration returned"),
    "ethics.registry.listed": _l("Approved listed activity registered"),
    "ethics.report.file": _l("Ethics committee annual report filed"),
}
OBJECTS = {
    "Registration": _l("Ethics committee registration"),
    "ListedRegistration": _l("Listed activity registration"),
    "AnnualReport": _l("Ethics committee annual report"),
}


def member_label(value: str, kind: str) -> str:
    """A filed member's gender or role (stored as its value) in words."""
    from app.committees.rules import Gender, SeatRole
    from app.core.labels import label

    enum_cls = {"gender": Gender, "role": SeatRole}[kind]
    try:
        return label(enum_cls(value))
    except ValueError:
        return value


def status_label(key: str) -> str:
    return str(STATUS.get(key, key))


def register() -> None:
    register_labels(values=VALUES, audit=AUDIT, objects=OBJECTS)
