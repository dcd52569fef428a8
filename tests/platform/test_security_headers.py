"""Security headers on every kind of response, and templates a strict CSP can serve."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from app import create_app
from app.auth.services import create_token
from app.cases.models import CaseState
from app.core.headers import CONTENT_SECURITY_POLICY
from app.dossiers.models import DossierLevel
from app.dossiers.services import request_dossier
from app.evidence.services import Upload, add_file_evidence
from tests.conftest import base_config
from tests.ui_helpers import sign_in

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# WeasyPrint's input, never sent to a browser: a PDF layout keeps its stylesheet inline.
PDF_LAYOUTS = (
    "dossiers/dossier.html",
    "dossiers/sections/",
    "statistics/report.html",
    "reports/report_pdf.html",
    "reporting/receipt_pdf.html",
    "dossiers/document.html",
    "screening/summary_pdf.html",
    "ethics/letter_pdf.html",
    "ethics/review_record_pdf.html",
    "dossiers/dossier_part.html",  # a long dossier's parts (app/dossiers/parts.py)
    "dossiers/_dossier_",  # what the dossier, its parts and its front share
)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)
INLINE = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "style block": re.compile(r"<style\b", re.I),
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "event handler": re.compile(r"\son[a-z]+\s*=", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


def assert_secure(response, *, cached: bool = False) -> None:
    headers = response.headers
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "Strict-Transport-Security" not in headers  # cookies are not secure in tests
    if not cached:
        assert headers["Cache-Control"] == "no-store"


def test_csp_allows_nothing_inline():
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
    ):
        assert directive in CONTENT_SECURITY_POLICY


def test_no_template_has_inline_script_style_or_handlers():
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        if name.startswith(PDF_LAYOUTS):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            found += [f"{name}:{number}: {what}" for what, rx in INLINE.items() if rx.search(line)]
    assert not found, "move these into app/static (css/js) or classes:\n" + "\n".join(found)


def test_html_pages_and_the_login_page(client, make_user, login):
    assert_secure(client.get("/login"))
    response = login(make_user("SH")).get("/")
    assert response.status_code == 200
    assert_secure(response)
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_api_responses_and_api_errors(client, db, make_user):
    token = create_token(make_user("SH"))
    db.session.commit()
    auth = {"Authorization": f"Bearer {token}"}
    assert_secure(client.get("/api/v1/cases", headers=auth))
    refused = client.get("/api/v1/cases")
    assert refused.status_code == 401
    assert_secure(refused)
    missing = client.get("/api/v1/cases/NO-SUCH-CASE", headers=auth)
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    assert_secure(missing)


def test_error_pages(client, make_user, login):
    assert_secure(client.get("/no-such-page"))
    login(make_user("SH"))
    for response in (client.get("/no-such-page"), client.post("/"), client.get("/admin/users")):
        assert response.status_code in (403, 404, 405)
        assert_secure(response)


def test_downloads_are_not_stored_and_files_stay_sandboxed(client, make_case, make_user, login):
    case = make_case(state=CaseState.investigating)
    lead = case.lead.user
    pdf = add_file_evidence(case, Upload(io.BytesIO(PDF), "report.pdf"), lead)
    png = add_file_evidence(case, Upload(io.BytesIO(PNG), "photo.png"), lead)
    login(lead)
    base = f"/cases/{case.reference}/evidence"
    for url in (f"{base}/{pdf.id}/download", f"{base}/{png.id}/preview"):
        response = client.get(url)
        assert response.status_code == 200
        assert_secure(response)
    image = client.get(f"{base}/{png.id}/download")
    assert image.headers["Content-Security-Policy"].startswith("sandbox; default-src 'none'")
    auditor = make_user("SH", roles=("auditor",))
    dossier_job = request_dossier(case, auditor, DossierLevel.shared)
    sign_in(client, auditor)
    for url in ("/audit/export.csv", f"/dossiers/{dossier_job.result['document_id']}.pdf"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_secure(response)


def test_static_assets_stay_cacheable(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert_secure(response, cached=True)


@pytest.fixture
def production_app(tmp_root):
    config = base_config(tmp_root, f"sqlite:///{tmp_root / 'production.sqlite'}")
    app = create_app(
        {**config, "PRODUCTION": True, "TESTING": False, "PASSWORD_HASH_COST": "standard"}
    )

    @app.get("/test-server-error")
    def server_error():
        raise RuntimeError("a defect")

    yield app
    with app.app_context():
        from app.extensions import db

        db.engine.dispose()


def test_production_sends_cookies_over_https_only_and_asks_for_hsts(production_app):
    assert production_app.config["SESSION_COOKIE_SECURE"] is True
    assert production_app.config["REMEMBER_COOKIE_SECURE"] is True
    response = production_app.test_client().get("/static/css/app.css")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_a_server_error_page_carries_the_headers(production_app):
    response = production_app.test_client().get("/test-server-error")
    assert response.status_code == 500
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"
