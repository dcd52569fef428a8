"""Shared pieces of the reporting tests: a report submitted through the portal's page."""

from __future__ import annotations

import io
import re

import pytest

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def report_form(**overrides) -> dict:
    data = {
        "agency": "SH",
        "respondent_name": ["王强"],
        "respondent_institution": ["同济大学"],
        "misconduct_types": ["plagiarism"],
        "description": "王强 2025 年发表的论文第二章与他人学位论文高度重合。",
        "leads": "DOI 10.1000/abc123",
        "identity": "named",
        "name": "赵敏",
        "contact": "13900000000",
    }
    data.update(overrides)
    return data


def code_of(page: bytes) -> str:
    match = re.search(rb'data-testid="receipt-code">([\d ]{19})<', page)
    assert match, page[:2000]
    return match.group(1).decode().replace(" ", "")


@pytest.fixture
def submit(client):
    """submit(files=[(bytes, name)], **form fields) -> (response, code or None)."""

    def do(files=((PDF, "证据.pdf"),), **overrides):
        data = report_form(**overrides)
        data["files"] = [(io.BytesIO(content), name) for content, name in files]
        response = client.post("/report/new", data=data, content_type="multipart/form-data")
        code = code_of(response.data) if response.status_code == 200 else None
        return response, code

    return do


@pytest.fixture
def reported(submit, db):
    """A named report with one file, submitted on the portal: (Report, code)."""
    from sqlalchemy import select

    from app.reporting.models import Report

    response, code = submit()
    assert response.status_code == 200
    report = db.session.scalars(select(Report).order_by(Report.id.desc())).first()
    return report, code


@pytest.fixture
def follow(client):
    """Opens the follow-up with a code and returns the follow-up page's response."""

    def do(code: str):
        opened = client.post("/report/follow-up", data={"code": code})
        assert opened.status_code == 302, opened.data[:1000]
        return client.get(opened.headers["Location"])

    return do
