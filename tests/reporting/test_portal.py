"""The public portal: no cookie before submit, its own assets and headers, the receipt code
shown once and stored hashed, the receipt PDF, and the refusals of bad input."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from sqlalchemy import func, select, text

from app.core.models import AuditEntry
from app.evidence.models import Blob
from app.reporting import codes, policy
from app.reporting.models import PortalVisit, Report
from tests.reporting.conftest import PDF, report_form

PORTAL_GETS = ("/report", "/report/new", "/report/follow-up", "/report?lang=en")


def _own_assets_only(html: str) -> None:
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
    assert "<style" not in html and 'style="' not in html and "<script>" not in html


def _portal_headers(response) -> None:
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_portal_pages_set_no_cookie_and_load_only_their_own_assets(client):
    for path in PORTAL_GETS:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Set-Cookie" not in response.headers, path
        _portal_headers(response)
        _own_assets_only(response.get_data(as_text=True))
    assert "Make a report" in client.get("/report/new?lang=en").get_data(as_text=True)


def test_a_named_report_gets_a_code_shown_once_stored_hashed_and_a_receipt(client, submit, db):
    response, code = submit()
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    _portal_headers(response)
    _own_assets_only(response.get_data(as_text=True))
    report = db.session.scalars(select(Report).order_by(Report.id.desc())).first()
    assert re.fullmatch(r"\d{16}", code)
    assert report.code_hash == codes.code_hash(code) and code not in report.code_hash
    assert report.number.startswith("SH-WB-") and report.state.value == "received"
    assert report.reporter_name == "赵敏"  # decrypted on read; stored encrypted
    raw = db.session.execute(
        text("SELECT reporter_name FROM reports WHERE id = :id"), {"id": report.id}
    ).scalar()
    assert "赵敏" not in raw
    assert len(report.files) == 1 and db.session.get(Blob, report.files[0].blob_sha256)
    # The code is on no other page: following up does not show it again.
    # The confirm step refuses without the tick, then records it.
    refused = client.post("/report/confirm", data={"code": code})
    assert refused.status_code == 422 and "written-error" in refused.get_data(as_text=True)
    done = client.post("/report/confirm", data={"code": code, "written": "yes"})
    assert done.status_code == 200 and report.number in done.get_data(as_text=True)
    db.session.refresh(report)
    assert report.code_confirmed_at is not None
    pdf = client.post("/report/receipt", data={"code": code})
    assert pdf.headers["Content-Type"] == "application/pdf"
    pdf_text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    compact = re.sub(r"\s", "", pdf_text)
    assert report.number in compact and report.content_digest in compact
    assert code not in compact
    # Audited without the address; the address sits in the visit, to be erased.
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "report.submit"))
    assert entry.ip is None and entry.details["digest"] == report.content_digest
    visit = db.session.scalar(select(PortalVisit).where(PortalVisit.action == "submit"))
    assert visit.address


def test_bad_reports_are_refused_with_every_problem_and_nothing_stored(client, submit, db):
    response, _ = submit(
        files=(),
        agency="",
        respondent_name=[""],
        misconduct_types=[],
        description="",
        identity="named",
        name="",
        contact="",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for field in ("agency", "respondents", "misconduct_types", "description", "name", "contact"):
        assert f'data-testid="problem-{field}"' in page, field
    anonymous, _ = submit(files=(), identity="anonymous", leads="")
    assert anonymous.status_code == 422
    assert 'data-testid="problem-leads"' in anonymous.get_data(as_text=True)
    wrong_type, _ = submit(files=((b"MZ\x90\x00" + b"\x00" * 200, "x.pdf"),))
    assert wrong_type.status_code == 415
    long_text, _ = submit(description="长" * 20001)
    assert long_text.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Report)) == 0
    assert db.session.scalar(select(func.count()).select_from(PortalVisit)) == 0


def test_an_oversize_file_is_refused(app, submit, db):
    app.config["EVIDENCE_MAX_FILE_SIZE"] = 1000
    try:
        response, _ = submit(files=((PDF + b"0" * 2000, "big.pdf"),))
    finally:
        app.config["EVIDENCE_MAX_FILE_SIZE"] = 200 * 1024 * 1024
    assert response.status_code == 413
    assert db.session.scalar(select(func.count()).select_from(Report)) == 0


def test_a_script_is_text_in_the_intake_and_the_receipt(client, submit, login, make_user, db):
    script = "<script>alert(1)</script>"
    response, _code = submit(description=f"描述 {script}", respondent_name=[script])
    assert response.status_code == 200
    report = db.session.scalars(select(Report)).one()
    login(make_user("SH", roles=("officer",)))
    page = client.get(f"/intake/{report.id}").get_data(as_text=True)
    assert script not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_wrong_codes_are_limited_per_address_and_the_right_one_then_waits(client, reported):
    _report, code = reported
    wrong = "1" * 16 if code != "1" * 16 else "2" * 16
    for _ in range(policy.WRONG_CODES_PER_ADDRESS_HOUR.value):
        refused = client.post("/report/follow-up", data={"code": wrong})
        assert refused.status_code == 422
        assert 'data-testid="code-problem"' in refused.get_data(as_text=True)
    locked = client.post("/report/follow-up", data={"code": code})
    assert locked.status_code == 429
    assert "Set-Cookie" not in locked.headers


def test_reports_from_one_address_are_limited_by_policy(submit, db):
    for _ in range(policy.REPORTS_PER_ADDRESS_HOUR.value):
        assert submit()[0].status_code == 200
    response, _ = submit()
    assert response.status_code == 429
    assert db.session.scalar(select(func.count()).select_from(Report)) == (
        policy.REPORTS_PER_ADDRESS_HOUR.value
    )


def test_a_post_from_another_site_is_refused(client, db):
    response = client.post(
        "/report/new", data=report_form(), headers={"Origin": "https://evil.example"}
    )
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Report)) == 0
