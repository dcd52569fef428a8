"""Which agencies there are for whom: the agencies that own cases, and the platform
pseudo-agency that holds the system administrators."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import PLATFORM_CODE, Agency, DeadlinePolicy
from app.extensions import db


def case_agencies():
    """Agencies that own cases (every list of agencies: filters, transfer targets, the demo);
    the platform pseudo-agency is never one of them."""
    return select(Agency).where(Agency.is_platform.is_(False))


def platform_agency() -> Agency:
    """The pseudo-agency of the system administrators (made by migration 0010_accounts)."""
    agency = db.session.scalar(select(Agency).where(Agency.is_platform.is_(True)))
    if agency is None:
        agency = Agency(
            code=PLATFORM_CODE,
            name_zh="平台运维",
            name_en="Platform operations",
            is_platform=True,
            policy=DeadlinePolicy(),
        )
        db.session.add(agency)
        db.session.flush()
    return agency
