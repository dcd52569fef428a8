"""API v1: integrity reports (issue one, read one) and the verification of any PDF this
platform signs (by the file or by its verification code)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Annotated

from flask import abort, request
from flask_babel import gettext as _
from pydantic import BaseModel, StringConstraints

from app.api import bp
from app.api.handling import BAD_BODY, ApiError, current, parse_body, respond
from app.api.schemas import Request, Timestamp, WithIdNumber
from app.api.spec import operation
from app.extensions import db


class ReportBody(WithIdNumber):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    id_type: Annotated[str, StringConstraints(max_length=32)] = "resident_id"
    id_number: Annotated[str, StringConstraints(min_length=1, max_length=64)]


class ReportRecord(BaseModel):
    record_id: str
    version: int


class ReportOut(BaseModel):
    code: str
    subject_kind: str
    subject_name: str
    subject_id_masked: str | None
    as_of: Timestamp
    records_in_force: int
    records: list[ReportRecord]
    sha256: str
    pdf_base64: str


class VerifyBody(Request):
    code: Annotated[str, StringConstraints(max_length=64)] | None = None
    pdf_base64: str | None = None


class VerifyOut(BaseModel):
    valid: bool
    status: str
    code: str | None
    kind: str | None
    node_id: str | None
    signed_at: Timestamp | None
    issued_here: bool
    sha256: str | None
    record_set_changed: bool | None


def _report_json(report) -> dict:
    from app.reports.services import report_path

    return {
        "code": report.code,
        "subject_kind": report.subject_kind.value,
        "subject_name": report.subject_name,
        "subject_id_masked": report.subject_id_masked,
        "as_of": report.as_of,
        "records_in_force": report.record_count,
        "records": [{"record_id": r["uid"], "version": r["version"]} for r in report.records],
        "sha256": report.sha256,
        "pdf_base64": base64.b64encode(report_path(report).read_bytes()).decode(),
    }


@operation(
    bp,
    "/integrity-reports",
    "POST",
    "Issue a signed integrity report: the records in force for a person or institution",
    body=ReportBody,
    response=ReportOut,
    status=201,
    errors={
        **BAD_BODY,
        403: "Only officers and supervisors request reports (`not_allowed`)",
        422: "Missing or invalid name or ID number (`invalid_input`)",
    },
)
def issue_report_api():
    from app.reports.services import ReportRequest, issue_report

    body = parse_body(ReportBody)
    report = issue_report(current(), ReportRequest(body.name, body.id_type, body.id_number))
    db.session.commit()
    return respond(ReportOut, _report_json(report), status=201)


@operation(
    bp,
    "/integrity-reports/{code}",
    "GET",
    "Read an integrity report your agency issued, with its signed PDF",
    response=ReportOut,
    errors={404: "No report with this code was issued by your agency"},
)
def get_report_api(code: str):
    from app.reports.permissions import can_request_report, visible_reports
    from app.reports.services import record_download

    user = current()
    if not can_request_report(user):
        raise ApiError(403, "not_allowed", _("Only officers and supervisors see reports."))
    from app.reports.models import IntegrityReport

    report = db.session.scalar(visible_reports(user).where(IntegrityReport.code == code))
    if report is None:
        abort(404)
    record_download(report, user)
    db.session.commit()
    return respond(ReportOut, _report_json(report))


@operation(
    bp,
    "/signed-documents/verify",
    "POST",
    "Verify a signed PDF of the platform (JSON with pdf_base64 or code, or the PDF itself "
    "as application/pdf): signature, signing node, unchanged, record set changed",
    body=VerifyBody,
    response=VerifyOut,
    errors={**BAD_BODY, 422: "Neither a PDF nor a code, or not base64 (`invalid_input`)"},
)
def verify_document_api():
    from app.core.errors import InvalidInput
    from app.reports.services import VERIFY_MAX_BYTES, verify_document

    if request.mimetype == "application/pdf":
        data, code = request.stream.read(VERIFY_MAX_BYTES + 1), None
    else:
        body = parse_body(VerifyBody)
        code = body.code
        try:
            data = base64.b64decode(body.pdf_base64 or "", validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput(_("The PDF is not valid base64."), field="pdf_base64") from None
    result = verify_document(current(), data=data, code=code)
    db.session.commit()
    return respond(
        VerifyOut,
        {
            "valid": result.ok,
            "status": result.status,
            "code": result.code,
            "kind": result.kind,
            "node_id": result.node_id,
            "signed_at": _utc(result.signed_at),
            "issued_here": result.issued_here,
            "sha256": result.sha256,
            "record_set_changed": result.record_set_changed,
        },
    )


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(dt.UTC) if value and value.tzinfo else value
