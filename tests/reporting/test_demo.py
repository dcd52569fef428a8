"""The demo's online reports: every intake state and a conversation, for every agency."""

from __future__ import annotations

from sqlalchemy import select

from app.demo.loader import ensure_agencies, ensure_demo_users
from app.reporting.demo import demo_reports
from app.reporting.models import Report, ReportState


def test_the_demo_has_reports_in_every_intake_state_and_a_conversation(make_case, db):
    agencies = ensure_agencies()
    users = ensure_demo_users(agencies)
    make_case("SH", state="investigating", by=users["sh-officer"])
    assert demo_reports(agencies, users) > 0
    reports = db.session.scalars(select(Report).where(Report.agency_id == agencies["SH"].id)).all()
    assert {r.state for r in reports} == set(ReportState)
    assert any(
        r.is_open and r.outcome_due.year == 2026 and r.outcome_due.month == 1 for r in reports
    )
    talked = next(r for r in reports if len(r.messages) == 2)
    assert [m.author.value for m in talked.messages] == ["reporter", "officer"]
    assert demo_reports(agencies, users) == 0  # once
