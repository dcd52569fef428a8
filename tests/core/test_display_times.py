"""Every displayed time is China Standard Time: a step taken at 23:30 UTC shows as 07:30 the
next morning on the case page, the evidence pages, the audit page and its CSV, and in the
dossier, as the timeline always showed it."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.cases.models import CaseState, HistoryEntry
from app.core.audit import GENESIS, compute_hash
from app.core.models import AuditEntry
from app.core.times import cst_day_start, local_iso, local_time
from app.dossiers.models import Dossier, DossierLevel
from app.dossiers.services import request_dossier
from app.evidence.models import CustodyEvent
from app.evidence.services import Upload, add_file_evidence
from app.protection.conflicts import declare_conflicts

# 23:30 UTC on 2 March is 07:30 on 3 March in Beijing.
UTC_LATE = dt.datetime(2026, 3, 2, 23, 30, tzinfo=dt.UTC)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_the_display_rule():
    assert local_time(UTC_LATE) == "2026-03-03 07:30"
    assert local_time(UTC_LATE, "seconds") == "2026-03-03 07:30:00"
    assert local_time(UTC_LATE, "date") == "2026-03-03"
    assert local_time(UTC_LATE.replace(tzinfo=None)) == "2026-03-03 07:30"  # SQLite's naive UTC
    assert local_time(None) == ""
    assert local_iso(UTC_LATE) == "2026-03-03T07:30:00+08:00"
    assert cst_day_start(dt.date(2026, 3, 3)) == dt.datetime(2026, 3, 2, 16, 0, tzinfo=dt.UTC)


@pytest.fixture
def late_case(db, make_case):
    """A case whose declaration, history, evidence and custody all happened at 23:30 UTC."""
    case = make_case(state=CaseState.investigating)
    lead = case.lead.user
    declaration = declare_conflicts(case, lead, [])
    item = add_file_evidence(case, Upload(io.BytesIO(PDF), "report.pdf"), lead)
    declaration.declared_at = UTC_LATE
    item.added_at = UTC_LATE
    for event in db.session.scalars(select(CustodyEvent).where(CustodyEvent.item_id == item.id)):
        event.at = UTC_LATE
    for entry in db.session.scalars(select(HistoryEntry).where(HistoryEntry.case_id == case.id)):
        entry.at = UTC_LATE
    db.session.flush()
    return case, item


def test_case_page_shows_declarations_and_timeline_in_beijing_time(late_case, login):
    case, _item = late_case
    page = login(case.lead.user).get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "2026-03-03 07:30" in page
    assert "2026-03-02 23:30" not in page


def test_evidence_item_and_list_show_beijing_time(late_case, login):
    case, item = late_case
    client = login(case.lead.user)
    page = client.get(f"/cases/{case.reference}/evidence/{item.id}").get_data(as_text=True)
    assert "2026-03-03 07:30 ·" in page  # added
    assert "2026-03-03 07:30:00" in page  # custody
    assert "2026-03-02 23:30" not in page
    listing = client.get(f"/cases/{case.reference}/evidence").get_data(as_text=True)
    assert "2026-03-03 ·" in listing and "2026-03-02 ·" not in listing


def _append_audit_entry(db, at: dt.datetime, actor) -> AuditEntry:
    """An entry chained as `audit.record` chains it, at a chosen time."""
    prev = db.session.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1))
    entry = AuditEntry(
        at=at,
        actor_id=actor.id,
        agency_id=actor.agency_id,
        action="test.late",
        details={},
        prev_hash=prev or GENESIS,
    )
    entry.hash = compute_hash(entry)
    db.session.add(entry)
    db.session.flush()
    return entry


def test_audit_page_csv_and_day_filter_use_beijing_time(db, make_user, login):
    auditor = make_user("SH", roles=("auditor",))
    entry = _append_audit_entry(db, UTC_LATE, auditor)
    client = login(auditor)
    page = client.get("/audit?action=test.late").get_data(as_text=True)
    assert "2026-03-03 07:30:00" in page and "2026-03-02 23:30" not in page
    # The day the page shows is the day the filter selects (rows show the entry's number).
    row = f"<tr><td>{entry.id}</td>"
    assert row in client.get("/audit?from=2026-03-03&to=2026-03-03").get_data(True)
    assert row not in client.get("/audit?from=2026-03-02&to=2026-03-02").get_data(True)
    export = client.get("/audit/export.csv?action=test.late").get_data(as_text=True)
    (row,) = list(csv.DictReader(io.StringIO(export.lstrip("\ufeff"))))
    assert row["at"] == "2026-03-03T07:30:00+08:00"


def test_dossier_timeline_declarations_and_inventory_use_beijing_time(app, db, late_case):
    case, _item = late_case
    request_dossier(case, case.lead.user, DossierLevel.internal)
    db.session.expire_all()
    dossier = db.session.scalar(select(Dossier).where(Dossier.case_id == case.id))
    reader = PdfReader(f"{app.config['FILE_STORE']}/{dossier.path}")
    text = "".join(page.extract_text() for page in reader.pages)
    assert "2026-03-03 07:30" in text
    assert "2026-03-02 23:30" not in text
