"""Who may see which statistics. An agency's own figures: its supervisors, administrators
and auditors. The region's (counts only, small counts withheld): every agency's supervisors
and administrators. An institution's profile: the agency roles of an agency that holds a
case or a record concerning it."""

from __future__ import annotations

from sqlalchemy import exists, or_, select

from app.auth.models import Role, User
from app.cases.models import Case
from app.extensions import db
from app.records.models import IntegrityRecord
from app.statistics.sql import concerning

AGENCY_ROLES = (Role.supervisor, Role.agency_admin, Role.auditor)
REGION_ROLES = (Role.supervisor, Role.agency_admin)


def may_view_agency(user: User) -> bool:
    return user.is_authenticated and user.has_role(*AGENCY_ROLES)


def may_view_region(user: User) -> bool:
    return user.is_authenticated and user.has_role(*REGION_ROLES)


def may_view_institution(user: User, institution: str) -> bool:
    if not may_view_agency(user):
        return False
    cases = concerning(institution)
    held = select(
        or_(
            exists().where(Case.agency_id == user.agency_id, Case.id.in_(cases)),
            exists().where(
                IntegrityRecord.agency_id == user.agency_id, IntegrityRecord.case_id.in_(cases)
            ),
        )
    )
    return bool(db.session.scalar(held))


def may_view(user: User, kind: str, institution: str | None = None) -> bool:
    if kind == "agency":
        return may_view_agency(user)
    if kind == "region":
        return may_view_region(user)
    return bool(institution) and may_view_institution(user, institution)
