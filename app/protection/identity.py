"""The complainant's identity: need-to-know, granted per team member by a supervisor.

`complainant_view(case, user, via=...)` is the one way any page, API response, dossier or
export obtains the identity: it answers None to anyone not granted, and audits every view it
answers with the route it left by, so the audit log shows each time the identity was read.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.auth.models import User
from app.cases.models import Case, CaseMember
from app.cases.permissions import check_case_open, is_supervisor_of
from app.cases.services import write_history
from app.core import audit
from app.core.errors import GuardFailed, NotAllowed
from app.extensions import db


def may_see_complainant(case: Case, user: User) -> bool:
    """The one rule: a member of the owning agency's case team granted access. A transfer's
    receiving agency is not the owner while the offer waits, so its supervisor reading the
    offer is told no; an identity that travels moves with the case on acceptance, and the
    receiving supervisor then grants it to their own team like any other."""
    member = case.member_for(user)
    return bool(
        member is not None and member.complainant_access and user.agency_id == case.agency_id
    )


VIA = ("page", "api", "dossier")


def complainant_view(
    case: Case, user: User, *, via: str, details: dict | None = None
) -> dict | None:
    """The identity as a dict for a granted team member (the view is audited), else None.

    `via` names the route the identity leaves by (one of VIA); `details` adds what
    identifies the copy (a dossier's document id). The caller commits, so the audit entry
    is kept together with the response.
    """
    if via not in VIA:
        raise ValueError(f"unknown route for the complainant's identity: {via}")
    c = case.complainant
    if c is None or not may_see_complainant(case, user):
        return None
    audit.record(
        "complainant.view", actor=user, case=case, obj=c, details={"via": via, **(details or {})}
    )
    return {
        "anonymous": c.anonymous,
        "name": c.name,
        "contact": c.contact,
        "id_type": c.id_type,
        "id_number": c.id_number,
    }


def _member(case: Case, member_id: int) -> CaseMember:
    member = next((m for m in case.members if m.id == member_id), None)
    if member is None:
        raise GuardFailed(_l("Only members of the case team can be granted this."))
    return member


def grant_complainant_access(case: Case, member_id: int, actor: User) -> CaseMember:
    return _set_access(case, member_id, actor, True)


def revoke_complainant_access(case: Case, member_id: int, actor: User) -> CaseMember:
    return _set_access(case, member_id, actor, False)


def _set_access(case: Case, member_id: int, actor: User, allowed: bool) -> CaseMember:
    if not is_supervisor_of(actor, case):
        raise NotAllowed(_l("Only a supervisor decides who sees the complainant's identity."))
    if allowed:  # withdrawing access protects the complainant and stays possible
        check_case_open(case)
    member = _member(case, member_id)
    if member.complainant_access == allowed:
        return member
    member.complainant_access = allowed
    action = "grant_complainant_access" if allowed else "revoke_complainant_access"
    db.session.flush()
    write_history(
        case,
        actor,
        action,
        from_state=case.state,
        to_state=case.state,
        details={"user": member.user.username},
    )
    audit.record(
        f"complainant.{'grant' if allowed else 'revoke'}",
        actor=actor,
        case=case,
        obj=member,
        details={"user": member.user.username},
    )
    return member
