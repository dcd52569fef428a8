"""Conflict-of-interest declarations: nobody joins a case team without a clean one."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.models import Role, User
from app.cases.models import Case, TeamRole
from app.cases.permissions import check_case_open
from app.cases.services import write_history
from app.core import audit
from app.core.errors import GuardFailed, InvalidInput, NotAllowed
from app.extensions import db
from app.protection.models import CONFLICT_KINDS, ConflictDeclaration

# What each kind of conflict is called on pages and in dossiers.
KIND_LABELS = {
    "relative": _l("Relative of a party"),
    "coauthor": _l("Co-author of a party"),
    "supervisor_student": _l("Supervisor or student of a party"),
    "same_institution": _l("Same institution as a party"),
    "other": _l("Other conflict"),
}


def declare_conflicts(
    case: Case, declarant: User, kinds: list[str], details: str | None = None
) -> ConflictDeclaration:
    """The person themself declares (relatives, co-authors, supervisor/student, same
    institution as a party); an empty list declares no conflict."""
    if declarant.agency_id != case.agency_id or not declarant.has_role(
        Role.officer, Role.supervisor
    ):
        raise NotAllowed(_l("Only officers and supervisors of the owning agency declare here."))
    check_case_open(case)
    unknown = [k for k in kinds if k not in CONFLICT_KINDS]
    if unknown:
        raise InvalidInput(_l("Unknown kind of conflict."), field="kinds")
    details = (details or "").strip() or None
    if "other" in kinds and not details:
        raise InvalidInput(_l("Describe the other conflict."), field="details")
    declaration = ConflictDeclaration(
        case_id=case.id,
        user_id=declarant.id,
        has_conflict=bool(kinds),
        kinds=sorted(set(kinds)),
        details=details,
    )
    db.session.add(declaration)
    db.session.flush()
    write_history(
        case,
        declarant,
        "declare_conflicts",
        from_state=case.state,
        to_state=case.state,
        details={"has_conflict": declaration.has_conflict, "kinds": declaration.kinds},
    )
    audit.record(
        "case.declare_conflicts",
        actor=declarant,
        case=case,
        obj=declaration,
        details={"has_conflict": declaration.has_conflict, "kinds": declaration.kinds},
    )
    return declaration


def latest_declaration(case: Case, user: User) -> ConflictDeclaration | None:
    return db.session.scalar(
        select(ConflictDeclaration)
        .where(ConflictDeclaration.case_id == case.id, ConflictDeclaration.user_id == user.id)
        .order_by(ConflictDeclaration.id.desc())
        .limit(1)
    )


def require_clean_declaration(case: Case, user: User, team_role: TeamRole) -> None:
    """Registered in app.cases.extension_points.assignment_checks."""
    declaration = latest_declaration(case, user)
    if declaration is None:
        raise GuardFailed(
            _l(
                "%(name)s has not declared conflicts of interest for this case yet.",
                name=user.display_name,
            )
        )
    if declaration.has_conflict:
        raise GuardFailed(
            _l(
                "%(name)s declared a conflict of interest and cannot join the case team.",
                name=user.display_name,
            )
        )


def case_declarations(case: Case) -> list[ConflictDeclaration]:
    return list(
        db.session.scalars(
            select(ConflictDeclaration)
            .where(ConflictDeclaration.case_id == case.id)
            .order_by(ConflictDeclaration.id)
        )
    )
