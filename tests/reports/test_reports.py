"""Integrity reports: issued for a person or an institution, signed, stored and verified on
the verify page by file and by code, with every refusal and the access rules."""

from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import select

from app.cases.models import CaseState
from app.core import pdfsign
from app.core.models import AuditEntry, SignedDocument
from app.reports.models import IntegrityReport
from app.reports.services import report_path

ID_NUMBER = "31010119800101123X"  # the respondent of the test cases
NOBODY = "31010119900101999X"


def issue(client, name="张伟", id_number=ID_NUMBER, id_type="resident_id"):
    return client.post(
        "/integrity-reports", data={"name": name, "id_type": id_type, "id_number": id_number}
    )


def last_report(db) -> IntegrityReport:
    return db.session.scalars(select(IntegrityReport).order_by(IntegrityReport.id.desc())).first()


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def verify(client, data: bytes | None = None, code: str = ""):
    form = {"code": code}
    if data is not None:
        form["file"] = (io.BytesIO(data), "report.pdf")
    return client.post("/verify", data=form, content_type="multipart/form-data")


def test_a_report_states_the_records_in_force_signed_and_audited(db, published, make_user, login):
    record, _admin = published("SH")
    client = login(make_user("ZJ", roles=("officer",)))
    response = issue(client, id_number="3101 0119 8001 0112 3x")
    assert response.status_code == 302
    report = last_report(db)
    assert report.record_count == 1 and report.records[0]["uid"] == record.record_uid
    listing = client.get(f"/integrity-reports?q={report.code}").get_data(as_text=True)
    assert report.code in listing and "张伟" in listing
    data = client.get(f"/integrity-reports/{report.code}.pdf").data
    assert data == report_path(report).read_bytes()
    text = pdf_text(data)
    assert record.record_uid in text and report.code in text and "有效" in text
    assert ID_NUMBER not in text  # masked only
    assert pdfsign.verify_signed_pdf(data).ok
    row = db.session.scalar(select(SignedDocument).where(SignedDocument.code == report.code))
    assert row.kind == "integrity_report" and row.fingerprint == report.fingerprint
    audits = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action.in_(("report.issued", "report.downloaded")))
        .order_by(AuditEntry.id)
    ).all()
    assert [a.action for a in audits] == ["report.issued", "report.downloaded"]
    assert ID_NUMBER not in str([a.details for a in audits])


def test_a_report_with_no_record_says_so(db, make_user, login):
    client = login(make_user("AH", roles=("supervisor",)))
    issue(client, name="王芳", id_number=NOBODY)
    report = last_report(db)
    assert report.record_count == 0
    text = pdf_text(report_path(report).read_bytes())
    assert "无有效的科研失信记录" in text.replace("\n", "")


def test_bad_requests_change_nothing(db, make_user, login):
    client = login(make_user("AH", roles=("officer",)))
    response = issue(client, id_number="310101198001011234")  # wrong check digit
    assert response.status_code == 422
    response = issue(client, name="")
    assert response.status_code == 422
    assert db.session.scalar(select(IntegrityReport)) is None
    assert db.session.scalar(select(SignedDocument)) is None


def test_verify_by_file_and_by_code_tells_whether_the_record_set_changed(
    db, published, make_user, login
):
    published("SH")
    client = login(make_user("SH", roles=("officer",), locale="en"))
    issue(client)
    report = last_report(db)
    data = report_path(report).read_bytes()
    page = verify(client, data).get_data(as_text=True)
    assert "The signature is valid" in page and report.code in page
    assert 'data-testid="record-set">The records in force for this subject are unchanged' in page
    by_code = verify(client, code=report.code.lower()).get_data(as_text=True)
    assert "This node issued a document with this code." in by_code
    published("ZJ")  # a second record in force for the same person
    page = verify(client, data).get_data(as_text=True)
    assert "have changed since the report was made" in page
    assert "have changed since the report was made" in verify(client, code=report.code).text


def test_tampered_resigned_and_foreign_files_are_refused_with_a_clear_message(db, make_user, login):
    client = login(make_user("SH", roles=("officer",), locale="en"))
    issue(client, name="王芳", id_number=NOBODY)
    data = report_path(last_report(db)).read_bytes()
    at = data.index(b"stream") + 30
    tampered = data[:at] + bytes([data[at] ^ 1]) + data[at + 1 :]
    assert "its content no longer matches the signature" in verify(client, tampered).text

    from tests.core.test_pdfsign import stranger_sign

    unsigned = data[: data.rindex(b"%%EOF", 0, len(data) - 10) + 5]
    assert "not by this node nor by any node" in verify(client, stranger_sign(unsigned)).text
    assert "another signature" in verify(client, stranger_sign(data, field="Again")).text
    assert "That file is not a PDF." in verify(client, b"hello").text
    assert "No document with this verification code" in verify(client, code="IR-XXXX").text
    empty = verify(client)
    assert (
        empty.status_code == 422 and "Choose a PDF file or enter a verification code" in empty.text
    )
    verified = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "document.verified")
    ).all()
    assert len(verified) == 5


def test_a_dossier_is_signed_and_verifies_as_a_dossier(db, make_case, make_user, login):
    from app.dossiers.models import DossierLevel
    from app.dossiers.services import build_dossier, store_dossier

    case = make_case(agency="SH", state=CaseState.decided)
    officer = case.created_by
    rendered, document_id, _at = build_dossier(case, officer, DossierLevel.internal)
    dossier = store_dossier(case, officer, DossierLevel.internal, rendered, document_id)
    db.session.commit()
    assert pdfsign.verify_signed_pdf(rendered.pdf).ok
    row = pdfsign.find_signed(code=document_id)
    assert row.kind == "dossier" and row.sha256 == dossier.sha256
    client = login(make_user("JS", roles=("auditor",), locale="en"))
    page = verify(client, rendered.pdf).text
    assert "The signature is valid" in page and "Case dossier" in page and document_id in page


def test_access(db, published, make_user, login, client):
    assert client.get("/integrity-reports").status_code == 302
    assert client.get("/verify").status_code == 302
    login(make_user("SH", roles=("officer",)))
    issue(client, name="王芳", id_number=NOBODY)
    code = last_report(db).code
    client.post("/logout")
    login(make_user("SH", roles=("auditor",)))
    assert client.get("/integrity-reports").status_code == 403
    assert issue(client).status_code == 403
    assert client.get(f"/integrity-reports/{code}.pdf").status_code == 404
    assert client.get("/verify").status_code == 200
    client.post("/logout")
    login(make_user("ZJ", roles=("officer",)))  # another agency's report is not listed
    assert code not in client.get("/integrity-reports").text
    assert client.get(f"/integrity-reports/{code}.pdf").status_code == 404


def test_a_report_marks_an_objection_and_leaves_out_a_repaired_record(
    db, published, make_user, login
):
    import datetime as dt

    record, _admin = published("SH")
    record.under_objection = True
    db.session.commit()
    client = login(make_user("ZJ", roles=("officer",)))
    assert issue(client).status_code == 302
    report = last_report(db)
    text = pdf_text(client.get(f"/integrity-reports/{report.code}.pdf").data)
    assert record.record_uid in text and "已提出异议" in text
    record.under_objection, record.repaired_on = False, dt.date(2026, 6, 1)  # repair approved
    db.session.commit()
    assert issue(client).status_code == 302
    report = last_report(db)
    assert report.record_count == 0  # a check no longer returns it: neither does a report
