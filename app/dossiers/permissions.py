"""Which dossier levels a user may ask for: never more than they could see in the app."""

from __future__ import annotations

from app.auth.models import Role, User
from app.cases.models import Case
from app.dossiers.models import DossierLevel


def allowed_levels(user: User, case: Case) -> list[DossierLevel]:
    """Everyone who can see the case gets the shared level; the owning agency's officers,
    supervisors and auditors also get the internal one."""
    levels = [DossierLevel.shared]
    if user.agency_id == case.agency_id and user.has_role(
        Role.officer, Role.supervisor, Role.auditor
    ):
        levels.insert(0, DossierLevel.internal)
    return levels


def may_see_complainant(user: User, case: Case, level: DossierLevel) -> bool:
    """Need-to-know: the app's own rule (team members granted access), and only in an
    internal dossier."""
    from app.protection.identity import may_see_complainant as granted

    return level == DossierLevel.internal and granted(case, user)
