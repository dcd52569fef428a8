"""Demo data: a programme office's screening of an applicant list that finds the published
records' subjects, with clear applicants and a row that cannot be read."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.auth.models import User
from app.core.identifiers import make_resident_id
from app.extensions import db
from app.records.matching import in_force_clause
from app.records.models import IntegrityRecord
from app.screening.reading import ListRow

DEMO_PURPOSE = "2026年度长三角科技创新共同体联合攻关计划项目申报"


def demo_screening(screener: User) -> None:
    """Screens, as `screener`, the subjects of the records in force beside clear people."""
    from app.screening.services import start_screening, submit_screening

    rows: list[ListRow] = []
    records = db.session.scalars(
        select(IntegrityRecord)
        .where(*in_force_clause(), IntegrityRecord.party_id.is_not(None))
        .order_by(IntegrityRecord.id)
    ).all()
    for record in records:
        party = record.party
        if party.id_number:
            rows.append(
                ListRow(
                    len(rows) + 2,
                    party.name,
                    party.id_type or "",
                    party.id_number,
                    party.institution or "",
                )
            )
    for n, name in enumerate(("陈静", "刘洋", "杨帆", "黄磊", "周敏")):
        number = make_resident_id("330106", dt.date(1985 + n, 3, 1 + n), 100 + n)
        rows.append(ListRow(len(rows) + 2, name, "居民身份证", number, "浙江大学"))
    rows.append(ListRow(len(rows) + 2, "吴刚", "居民身份证", "33010619850301000", "宁波大学"))
    screening = submit_screening(screener, DEMO_PURPOSE, lambda: rows, source="申报名单.xlsx")
    start_screening(screening, screener)
