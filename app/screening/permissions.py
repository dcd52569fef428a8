"""Who sees which screening: the screeners of the agency that ran it (a programme office
works as one), decided in SQL for the pages, the API and the downloads alike."""

from __future__ import annotations

from sqlalchemy import Select, select

from app.auth.models import Role, User
from app.screening.models import Screening


def visible_screenings(user: User) -> Select:
    if not user.has_role(Role.screener) or user.agency.is_platform:
        return select(Screening).where(Screening.id.is_(None))
    return select(Screening).where(Screening.agency_id == user.agency_id)
