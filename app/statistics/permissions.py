"""Who may see which statistics. An agency's own figures: its supervisors, administrators
and auditors. The region's (counts only, small counts withheld): every agency's supervisors
and administrators. An institution's profile: the agency roles of an agency that holds a
case or a record concerning it."""

from __future__ import annotations

from sqlalchemy import Select, exists, func, or_, select

from app.auth.models import Role, User
from app.cases.models import Case
from app.extensions import db
from app.records.models import IntegrityRecord
from app.statistics.models import CaseFacet

AGENCY_ROLES = (Role.supervisor, Role.agency_admin, Role.auditor)
REGION_ROLES = (Role.supervisor, Role.agency_admin)


def may_view_agency(user: User) -> bool:
    return user.is_authenticated and user.has_role(*AGENCY_ROLES)


def may_view_region(user: User) -> bool:
    return user.is_authenticated and user.has_role(*REGION_ROLES)


def held_institutions(user: User) -> Select:
    """The institutions whose profile `user`'s agency may see, as a query of names: those
    named in a case the agency holds, or in a case of a record it decided. The one answer
    for the profile and the search for it: a name the search lists is one the agency knows
    from its own cases, so it discloses no institution the region's figures withhold."""
    own_records = select(IntegrityRecord.case_id).where(IntegrityRecord.agency_id == user.agency_id)
    return (
        select(CaseFacet.value)
        .join(Case, Case.id == CaseFacet.case_id)
        .where(
            CaseFacet.kind == "institution",
            or_(Case.agency_id == user.agency_id, CaseFacet.case_id.in_(own_records)),
        )
    )


def may_view_institution(user: User, institution: str) -> bool:
    if not may_view_agency(user):
        return False
    held = held_institutions(user).where(CaseFacet.value == institution)
    return bool(db.session.scalar(select(exists(held))))


def institutions_matching(user: User, text: str) -> Select:
    """The institutions `user` may see whose name contains `text`, each once, by name."""
    contains = func.lower(CaseFacet.value).contains(text.lower(), autoescape=True)
    return held_institutions(user).where(contains).distinct().order_by(CaseFacet.value)


def may_view(user: User, kind: str, institution: str | None = None) -> bool:
    if kind == "agency":
        return may_view_agency(user)
    if kind == "region":
        return may_view_region(user)
    return bool(institution) and may_view_institution(user, institution)
