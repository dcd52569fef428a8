"""Demo data: signed integrity reports, one naming a record in force and one stating none."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.records.models import IntegrityRecord, RecordStatus
from app.reports.models import IntegrityReport
from app.reports.services import ReportRequest, issue_report

# A person no demo case names: her report states that no record is in force.
CLEAR_PERSON = ("陈静", "resident_id", "310101199203154524")


def demo_reports(users: dict[str, User]) -> list[IntegrityReport]:
    """Each issued by the officer of an agency other than the record's, as a programme
    office's request reaches the integrity office of its own province."""
    if db.session.scalar(select(IntegrityReport.id).limit(1)) is not None:
        return []
    records = db.session.scalars(
        select(IntegrityRecord)
        .where(IntegrityRecord.status == RecordStatus.active, IntegrityRecord.party_id.is_not(None))
        .order_by(IntegrityRecord.id)
    )
    record = next((r for r in records if r.party.id_number), None)
    issued = []
    if record is not None:
        party = record.party
        other = next(
            u
            for key, u in users.items()
            if key.endswith("-officer") and u.agency_id != record.agency_id
        )
        issued.append(
            issue_report(other, ReportRequest(party.name, party.id_type, party.id_number))
        )
    officer = next(u for key, u in users.items() if key.endswith("-officer"))
    issued.append(issue_report(officer, ReportRequest(*CLEAR_PERSON)))
    return issued
