"""The demo has signed integrity reports: one naming a record in force, one stating none."""

from __future__ import annotations

from app.core import pdfsign
from app.reports.demo import demo_reports
from app.reports.services import report_path


def test_demo_reports_are_signed_and_verify(db, published, make_user):
    record, _admin = published("SH")
    users = {
        "sh-officer": make_user("SH", roles=("officer",)),
        "zj-officer": make_user("ZJ", roles=("officer",)),
    }
    reports = demo_reports(users)
    assert [r.record_count for r in reports] == [1, 0]
    assert reports[0].agency_id != record.agency_id
    for report in reports:
        assert pdfsign.verify_signed_pdf(report_path(report).read_bytes()).ok
        assert pdfsign.find_signed(code=report.code).kind == "integrity_report"
    assert demo_reports(users) == []  # loaded once
