"""Document pages: the case page's section for the owning agency only (a participating
agency reads the shared level, which has no documents), and a refused service on the page."""

from __future__ import annotations

import io

from app.core.calendar import today
from app.documents.services import create_draft, issue_document
from app.extensions import db
from tests.ui_helpers import sign_in

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_a_participating_agency_sees_no_document_of_the_case(client, joint):
    case, lead = joint["case"], joint["sh_supervisor"]
    doc = create_draft(case, joint["sh_officer"], "acceptance_notice")
    issue_document(doc, lead)
    db.session.commit()
    sign_in(client, joint["sh_officer"])
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert doc.number in page and 'data-testid="documents-section"' in page
    client.post("/logout")
    sign_in(client, joint["js_officer"])
    page = client.get(f"/cases/{case.reference}")
    assert page.status_code == 200 and doc.number not in page.get_data(as_text=True)
    assert client.get(f"/documents/{doc.id}").status_code == 404


def test_a_service_dated_before_the_issue_is_refused_on_the_page(client, joint):
    case = joint["case"]
    doc = create_draft(case, joint["sh_officer"], "acceptance_notice")
    issue_document(doc, joint["sh_supervisor"])
    db.session.commit()
    sign_in(client, joint["sh_officer"])
    response = client.post(
        f"/documents/{doc.id}/service",
        data={
            "method": "in_person",
            "served_on": "2020-01-01",
            "proof": (io.BytesIO(PDF), "回执.pdf"),
        },
    )
    assert response.status_code == 422
    assert "不能早于其发文日期" in response.get_data(as_text=True)
    db.session.expire_all()
    assert doc.service is None
    ok = client.post(
        f"/documents/{doc.id}/service",
        data={
            "method": "in_person",
            "served_on": today().isoformat(),
            "proof": (io.BytesIO(PDF), "a.pdf"),
        },
    )
    assert ok.status_code == 302


def test_the_case_page_says_what_the_defence_window_is_counted_from(client, make_case):
    from tests.conftest import scenario_supervisor

    case = make_case(state="pre_decision_notice")
    doc = create_draft(case, case.lead.user, "pre_decision_notice", case.respondents[0].id)
    issue_document(doc, scenario_supervisor(case))
    db.session.commit()
    sign_in(client, case.lead.user)
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "期限暂计至" in page
    client.post(
        f"/documents/{doc.id}/service",
        data={
            "method": "in_person",
            "served_on": today().isoformat(),
            "proof": (io.BytesIO(PDF), "a.pdf"),
        },
    )
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert f"自 {doc.number} 于 {today().isoformat()} 送达之日起算" in page


def test_the_api_lists_documents_to_the_owning_agency_only(client, joint):
    from app.auth.services import create_token
    from tests.api.conftest import ApiClient

    case = joint["case"]
    doc = create_draft(case, joint["sh_officer"], "acceptance_notice")
    issue_document(doc, joint["sh_supervisor"])
    own, participant = create_token(joint["sh_officer"]), create_token(joint["js_officer"])
    db.session.commit()
    url = f"/api/v1/cases/{case.reference}/documents"
    listed = ApiClient(client, db, own).get(url)
    assert listed.status_code == 200
    assert [d["number"] for d in listed.get_json()["items"]] == [doc.number]
    assert ApiClient(client, db, participant).get(url).status_code == 404


def test_an_issued_pdf_verifies_on_the_dossiers_verify_page_and_an_altered_one_does_not(
    app, client, joint
):
    from pathlib import Path

    from app.documents.services import request_pdf

    case = joint["case"]
    doc = create_draft(case, joint["sh_officer"], "acceptance_notice")
    issue_document(doc, joint["sh_supervisor"])
    request_pdf(doc, joint["sh_supervisor"])
    db.session.commit()
    data = Path(app.config["FILE_STORE"], doc.pdf_path).read_bytes()
    sign_in(client, joint["js_officer"])
    page = client.post("/dossiers/verify", data={"file": (io.BytesIO(data), "d.pdf")})
    text = page.get_data(as_text=True)
    assert doc.number in text and case.reference not in text  # no case for another agency
    altered = client.post("/dossiers/verify", data={"file": (io.BytesIO(data + b"%x"), "d.pdf")})
    assert doc.number not in altered.get_data(as_text=True)


def test_an_issued_document_is_signed_and_the_verify_page_names_it_by_its_number(
    app, client, joint
):
    from pathlib import Path

    from app.core import pdfsign
    from app.documents.services import request_pdf

    doc = create_draft(joint["case"], joint["sh_officer"], "acceptance_notice")
    issue_document(doc, joint["sh_supervisor"])
    request_pdf(doc, joint["sh_supervisor"])
    db.session.commit()
    data = Path(app.config["FILE_STORE"], doc.pdf_path).read_bytes()
    assert pdfsign.verify_signed_pdf(data).ok
    sign_in(client, joint["sh_officer"])
    page = client.post("/verify", data={"code": doc.number}).get_data(as_text=True)
    assert f"文书 · <code>{doc.number}</code>" in page  # named as what it is
    by_file = client.post(
        "/verify", data={"file": (io.BytesIO(data), "d.pdf")}, content_type="multipart/form-data"
    ).get_data(as_text=True)
    assert doc.number in by_file
