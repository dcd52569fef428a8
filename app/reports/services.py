"""Issuing integrity reports and verifying signed documents handed back to this node."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.models import User
from app.core import audit, pdfsign
from app.core.crypto import matching_hash
from app.core.errors import InvalidInput, NotAllowed
from app.core.identifiers import IdType, clean_id_number, mask_id_number
from app.core.models import SignedDocument, utcnow
from app.core.times import local_time
from app.extensions import db
from app.records.matching import match_subjects
from app.records.models import IntegrityRecord
from app.reports.models import IntegrityReport, SubjectKind
from app.reports.permissions import can_request_report

KIND = "integrity_report"
VERIFY_MAX_BYTES = 200 * 1024 * 1024  # beyond the largest dossier
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud and typed


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"IR-{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise_code(text: str | None) -> str:
    return (text or "").strip().upper().replace(" ", "")


# --- the record set ----------------------------------------------------------------------


def records_in_force(subject_hash: str) -> list[IntegrityRecord]:
    """Every record in force this node holds for the subject, local and received, as a
    batch screening finds them (`app.records.matching`: active, its term not ended in China
    Standard Time, not repaired, within its query limit). Published records are seen by
    every agency's viewing roles, so the set does not depend on who asks."""
    return match_subjects([subject_hash]).get(subject_hash, [])


def fingerprint(records: list[IntegrityRecord]) -> str:
    """The same at every node holding the same versions: record ids are region-wide."""
    items = sorted(f"{r.record_uid}:{r.current_version}" for r in records)
    return hashlib.sha256("\n".join(items).encode()).hexdigest()


def current_fingerprint(subject_hash: str) -> str:
    return fingerprint(records_in_force(subject_hash))


def records_of_code(code: str) -> list[str] | None:
    """The record ids an integrity report states (`app.records.extension_points`)."""
    report = db.session.scalar(
        select(IntegrityReport).where(IntegrityReport.code == normalise_code(code))
    )
    return None if report is None else [row["uid"] for row in report.records or []]


# --- issuing -----------------------------------------------------------------------------


@dataclass
class ReportRequest:
    name: str
    id_type: str
    id_number: str


def issue_report(actor: User, data: ReportRequest) -> IntegrityReport:
    """Who may ask for whom is the integrity check's rule (officers and supervisors, any
    person or institution); the report states the records in force now, is signed with the
    node's key and registered under its code, and the request is audited."""
    if not can_request_report(actor):
        raise NotAllowed(_l("Only officers and supervisors can request integrity reports."))
    name = (data.name or "").strip()
    if not name:
        raise InvalidInput(_l("Enter the name."), field="name")
    if len(name) > 200:
        raise InvalidInput(_l("At most 200 characters."), field="name")
    id_type = data.id_type or IdType.resident_id.value
    id_number = clean_id_number(id_type, data.id_number)
    subject = matching_hash(id_type, id_number)
    kind = SubjectKind.institution if id_type == IdType.uscc else SubjectKind.person
    records = records_in_force(subject)
    report = IntegrityReport(
        code=new_code(),
        subject_kind=kind,
        subject_name=name,
        subject_id_masked=mask_id_number(id_number),
        subject_hash=subject,
        as_of=utcnow(),
        record_count=len(records),
        records=[{"uid": r.record_uid, "version": r.current_version} for r in records],
        fingerprint=fingerprint(records),
        requested_by_id=actor.id,
        agency_id=actor.agency_id,
        sha256="",
        size=0,
        path="",
    )
    pdf = render_report(report, records, actor)
    signed, _row = pdfsign.sign_and_record(
        pdf,
        kind=KIND,
        code=report.code,
        reason=f"诚信报告 核验码 {report.code}",
        fingerprint=report.fingerprint,
        subject_hash=subject,
    )
    _store(report, signed)
    db.session.add(report)
    db.session.flush()
    audit.record(
        "report.issued",
        actor=actor,
        obj=report,
        details={
            "code": report.code,
            "subject_kind": kind.value,
            "name": name,
            "id_masked": report.subject_id_masked,
            "records": report.record_count,
            "sha256": report.sha256,
        },
    )
    return report


def render_report(report: IntegrityReport, records: list[IntegrityRecord], actor: User) -> bytes:
    """Chinese, as every official document of the platform; the layout tools of dossiers."""
    from app.dossiers.fonts import font_css
    from app.dossiers.render import html_to_pdf

    with force_locale("zh"):
        html = render_template(
            "reports/report_pdf.html",
            report=report,
            records=[_row(r) for r in records],
            as_of=local_time(report.as_of),
            agency=actor.agency.name_zh,
            node_id=pdfsign.signer_node_id(),
            font_css=font_css(),
        )
    return html_to_pdf(html).pdf


def _row(record: IntegrityRecord) -> dict:
    payload = record.payload or {}
    return {
        "uid": record.record_uid,
        "version": record.current_version,
        "deciding_agency": record.deciding_agency,
        "conduct": payload.get("conduct") or "",
        "outcome": payload.get("outcome") or "",
        "legal_basis": payload.get("legal_basis") or "",
        "effective_date": record.effective_date,
        "term_end": record.term_end,
        "lifetime": record.lifetime,
        "under_objection": record.under_objection,
        "local": record.is_local,
        "origin_node": record.origin_node,
    }


def _store(report: IntegrityReport, signed: bytes) -> None:
    relative = Path("reports") / report.as_of.strftime("%Y") / f"{report.code}.pdf"
    target = Path(current_app.config["FILE_STORE"]) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(signed)
    tmp.replace(target)
    report.path = str(relative)
    report.sha256 = hashlib.sha256(signed).hexdigest()
    report.size = len(signed)


def report_path(report: IntegrityReport) -> Path:
    return Path(current_app.config["FILE_STORE"]) / report.path


def record_download(report: IntegrityReport, user: User) -> None:
    audit.record("report.downloaded", actor=user, obj=report, details={"code": report.code})


# --- verifying ---------------------------------------------------------------------------


@dataclass
class Check:
    """What the verify page and API say about a document: its signature (when a file was
    given), what this node knows of it, and whether the report's record set changed."""

    code: str | None
    kind: str | None
    signature: pdfsign.Verification | None = None
    registered: SignedDocument | None = None
    issued_here: bool = False
    signed_at: dt.datetime | None = None
    node_id: str | None = None
    record_set_changed: bool | None = None

    @property
    def ok(self) -> bool:
        if self.signature is not None:
            return self.signature.ok
        return self.registered is not None

    @property
    def status(self) -> str:
        """The signature's outcome for a file; "registered" or "unknown_code" for a code."""
        if self.signature is not None:
            return self.signature.status
        return "registered" if self.registered is not None else "unknown_code"

    @property
    def sha256(self) -> str | None:
        if self.signature is not None:
            return self.signature.sha256
        return self.registered.sha256 if self.registered is not None else None


def verify_document(user: User, *, data: bytes | None = None, code: str | None = None) -> Check:
    """By file: the signature is checked offline against the known nodes' keys, then the
    claims the signed bytes carry (kind, code, subject, fingerprint) are read. By code: this
    node's register answers for what it issued. Audited either way."""
    if data and len(data) > VERIFY_MAX_BYTES:
        raise InvalidInput(_l("The file is too large to be a document of this platform."))
    if data:
        result = _check_file(data)
    elif normalise_code(code):
        result = _check_code(normalise_code(code))
    else:
        raise InvalidInput(_l("Choose a PDF file or enter a verification code."), field="file")
    audit.record(
        "document.verified",
        actor=user,
        details={
            "by": "file" if data else "code",
            "code": result.code,
            "kind": result.kind,
            "result": result.signature.status if result.signature else bool(result.registered),
            "node": result.node_id,
        },
    )
    return result


def _check_code(code: str) -> Check:
    row = pdfsign.find_signed(code=code)
    if row is None:
        return Check(code=code, kind=None)
    return _with_record_set(
        Check(
            code=row.code,
            kind=row.kind,
            registered=row,
            issued_here=True,
            signed_at=row.signed_at,
            node_id=row.node_id,
        ),
        row.subject_hash,
        row.fingerprint,
    )


def _check_file(data: bytes) -> Check:
    signature = pdfsign.verify_signed_pdf(data)
    result = Check(code=None, kind=None, signature=signature)
    if not signature.ok:
        return result
    result.node_id, result.signed_at = signature.node_id, signature.signed_at
    row = pdfsign.find_signed(sha256=signature.sha256)
    if row is not None:
        result.registered, result.issued_here = row, True
        result.code, result.kind = row.code, row.kind
        return _with_record_set(result, row.subject_hash, row.fingerprint)
    claimed = pdfsign.claims(data)
    if claimed[:1] == ["yrd-report"] and len(claimed) >= 4:
        result.code, result.kind = claimed[1], KIND
        return _with_record_set(result, claimed[2], claimed[3])
    if claimed[:1] == ["yrd-dossier"] and len(claimed) >= 2:
        result.code, result.kind = claimed[1], "dossier"
    return result


def _with_record_set(result: Check, subject_hash: str | None, stated: str | None) -> Check:
    if subject_hash and stated:
        result.record_set_changed = current_fingerprint(subject_hash) != stated
    return result
