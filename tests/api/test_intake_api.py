"""API v1 for the intake: list, read and decide online reports; another agency sees none; a
refusal changes nothing; the reporter's identity never leaves by the API."""

from __future__ import annotations

import io

from app.evidence.services import Upload
from app.reporting.models import ReportState
from app.reporting.services import ReportInput, submit_report

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _report(db):
    data = ReportInput(
        agency="SH",
        respondents=[{"name": "王强", "institution": "同济大学"}],
        misconduct_types=["plagiarism"],
        description="论文抄袭",
        anonymous=False,
        name="赵敏",
        contact="13900000000",
        files=[Upload(io.BytesIO(PDF), "证据.pdf")],
    )
    report = submit_report(data, "192.0.2.1")[0]
    db.session.commit()
    return report


def test_an_officer_lists_reads_and_registers_a_report(api, make_user, db):
    report = _report(db)
    client = api(make_user("SH", roles=("officer",)))
    listed = client.get("/api/v1/reports").get_json()
    assert [r["number"] for r in listed["items"]] == [report.number]
    body = client.get(f"/api/v1/reports/{report.id}").get_json()
    assert "赵敏" not in str(body) and body["anonymous"] is False
    refused = client.post(f"/api/v1/reports/{report.id}/not-accept", json={"reason": "x" * 5001})
    assert refused.status_code == 422
    db.session.refresh(report)
    assert report.state == ReportState.received
    done = client.post(f"/api/v1/reports/{report.id}/register", json={})
    assert done.status_code == 200 and done.get_json()["case_reference"].startswith("SH-")
    again = client.post(f"/api/v1/reports/{report.id}/not-accept", json={"reason": "重复"})
    assert again.status_code == 409
    said = client.post(f"/api/v1/reports/{report.id}/messages", json={"body": "已受理"})
    assert said.get_json()["messages"][-1]["body"] == "已受理"


def test_another_agency_and_other_roles_see_no_report(api, make_user, db):
    report = _report(db)
    other = api(make_user("JS", roles=("officer",)))
    assert other.get("/api/v1/reports?state=all").get_json()["items"] == []
    assert other.get(f"/api/v1/reports/{report.id}").status_code == 404
    assert other.post(f"/api/v1/reports/{report.id}/register", json={}).status_code == 404
    assert (
        api(make_user("SH", roles=("committee_member",))).get("/api/v1/reports").status_code == 403
    )
    auditor = api(make_user("SH", roles=("auditor",)))
    assert auditor.post(f"/api/v1/reports/{report.id}/register", json={}).status_code == 403
    assert api(None).get("/api/v1/reports").status_code == 401
