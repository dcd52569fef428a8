"""Official documents: drafts from the agency's template, issue with the agency's number,
the PDF as issued, service starting the defence and review windows, the pages' refusals."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from app.cases.models import CaseState, HistoryEntry
from app.core.calendar import add_working_days, today
from app.core.errors import GuardFailed, InvalidInput
from app.documents.models import DocumentCounter, OfficialDocument
from app.documents.services import (
    create_draft,
    issue_document,
    record_service,
    request_pdf,
    save_template,
    update_draft,
)
from app.extensions import db
from tests.conftest import scenario_supervisor

SCRIPT = "<script>alert(1)</script>"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class Proof:
    def __init__(self, data=PDF, filename="回执.pdf"):
        self.stream, self.filename = io.BytesIO(data), filename


def _issued(case, kind, party=True):
    lead = case.lead.user
    doc = create_draft(case, lead, kind, case.respondents[0].id if party else None)
    issue_document(doc, scenario_supervisor(case))
    return doc


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_issue_numbers_per_agency_and_year_and_the_pdf_shows_scripts_as_text(app, db, make_case):
    case = make_case(state=CaseState.investigating)
    lead, sup = case.lead.user, scenario_supervisor(case)
    doc = create_draft(case, lead, "investigation_notice", case.respondents[0].id)
    assert "张伟" in doc.body and case.reference in doc.body  # filled from the case
    update_draft(doc, lead, title="立案调查通知书", recipient=SCRIPT, body=f"正文{SCRIPT}")
    issue_document(doc, sup)
    year = today().year
    assert doc.number == f"沪科诚〔{year}〕1号" and doc.issued_on == today()
    second = _issued(case, "acceptance_notice", party=False)
    assert second.number == f"沪科诚〔{year}〕2号"
    other = make_case(agency="JS", state=CaseState.investigating)
    assert _issued(other, "acceptance_notice", party=False).number == f"苏科诚〔{year}〕1号"
    request_pdf(doc, sup)  # no Redis configured: rendered here, as the worker would
    db.session.refresh(doc)
    assert len(doc.sha256) == 64 and doc.pages >= 1
    path = f"{app.config['FILE_STORE']}/{doc.pdf_path}"
    text = "".join(p.extract_text() for p in PdfReader(path).pages).replace("\n", "")
    assert doc.number in text and "正文<script>alert(1)</script>" in text


def test_an_issued_document_cannot_be_issued_again_nor_edited(db, make_case):
    case = make_case(state=CaseState.investigating)
    doc = _issued(case, "acceptance_notice", party=False)
    counter = db.session.scalar(select(DocumentCounter.last_number))
    with pytest.raises(GuardFailed) as err:
        issue_document(doc, scenario_supervisor(case))
    assert err.value.code == "already_issued" and doc.number in str(err.value.message)
    with pytest.raises(GuardFailed):
        update_draft(doc, case.lead.user, title="改", recipient="", body="改")
    assert db.session.scalar(select(DocumentCounter.last_number)) == counter


def test_a_draft_is_refused_in_the_wrong_state_or_without_its_addressee(db, make_case):
    case = make_case(state=CaseState.investigating)
    with pytest.raises(GuardFailed):
        create_draft(case, case.lead.user, "decision", case.respondents[0].id)
    with pytest.raises(InvalidInput) as err:
        create_draft(case, case.lead.user, "investigation_notice", None)
    assert "party_id" in err.value.problems
    assert _count(OfficialDocument) == 0


def test_serving_the_notice_starts_the_defence_window_from_the_service_date(db, make_case):
    case = make_case(state=CaseState.pre_decision_notice)
    doc = _issued(case, "pre_decision_notice")
    with pytest.raises(InvalidInput) as err:
        record_service(
            doc,
            case.lead.user,
            method="post",
            served_on=today() - dt.timedelta(days=1),
            proof=Proof(),
        )
    assert set(err.value.problems) == {"served_on", "tracking_number"}
    assert doc.service is None
    record_service(
        doc,
        case.lead.user,
        method="post",
        served_on=today(),
        tracking_number="EMS123",
        proof=Proof(),
    )
    due = add_working_days(today(), case.agency.policy.defence_days)
    assert case.defence_due == due and case.notices[0].defence_due == due
    actions = db.session.scalars(
        select(HistoryEntry.action).where(HistoryEntry.case_id == case.id)
    ).all()
    assert actions[-2:] == ["document_issued", "document_served"]  # the timeline
    with pytest.raises(GuardFailed):
        record_service(doc, case.lead.user, method="in_person", served_on=today(), proof=Proof())


def test_an_oversize_proof_is_refused_and_nothing_is_recorded(app, db, make_case, monkeypatch):
    case = make_case(state=CaseState.investigating)
    doc = _issued(case, "investigation_notice")
    monkeypatch.setitem(app.config, "DOCUMENT_PROOF_MAX_SIZE", 10)
    with pytest.raises(InvalidInput) as err:
        record_service(doc, case.lead.user, method="in_person", served_on=today(), proof=Proof())
    assert err.value.field == "proof" and doc.service is None


def test_serving_the_decision_starts_the_review_request_window(db, make_case):
    case = make_case(state=CaseState.decided)
    case.review_request_due = dt.date(2026, 1, 5)  # the date typed with the decision
    doc = _issued(case, "decision")
    assert doc.body.count("张伟") >= 1 and "复查" in doc.body
    with pytest.raises(InvalidInput) as err:
        record_service(doc, case.lead.user, method="electronic", served_on=today(), proof=None)
    assert set(err.value.problems) == {"consent", "proof"}
    with pytest.raises(InvalidInput):
        record_service(
            doc,
            case.lead.user,
            method="in_person",
            served_on=today(),
            proof=Proof(b"MZ\x90\x00 not a pdf", "x.exe"),
        )
    record_service(
        doc,
        case.lead.user,
        method="electronic",
        served_on=today(),
        consent="电子送达确认书",
        proof=Proof(),
    )
    days = case.agency.policy.review_request_days
    assert case.review_request_due == add_working_days(today(), days)


def test_templates_refuse_unknown_placeholders_and_drafts_use_the_agency_wording(
    db, make_case, make_user
):
    admin = make_user("SH", roles=("agency_admin",))
    with pytest.raises(InvalidInput) as err:
        save_template(admin, "acceptance_notice", "受理", "{{ case.__class__ }} {{ nope }}")
    assert "body" in err.value.problems
    save_template(
        admin,
        "acceptance_notice",
        "受理通知",
        "{{ recipient }}：案件{{ case_reference }}已受理。",
        designation_text="沪科监",
    )
    case = make_case(state=CaseState.investigating)
    doc = create_draft(case, case.lead.user, "acceptance_notice")
    assert doc.body == f"：案件{case.reference}已受理。"
    issue_document(doc, scenario_supervisor(case))
    assert doc.number.startswith("沪科监〔")


def test_the_internal_dossier_lists_issued_documents_and_the_shared_one_has_none(
    app, db, make_case
):
    from app.dossiers.loader import DossierContext, load_sections
    from app.dossiers.models import DossierLevel
    from app.dossiers.render import render_html

    case = make_case(state=CaseState.pre_decision_notice)
    doc = _issued(case, "pre_decision_notice")
    record_service(doc, case.lead.user, method="in_person", served_on=today(), proof=Proof())
    create_draft(case, case.lead.user, "pre_decision_notice", case.respondents[0].id)
    lead = case.lead.user
    for level, shown in ((DossierLevel.internal, True), (DossierLevel.shared, False)):
        sections = load_sections(DossierContext(case, lead, level, False))
        html = render_html({"meta": {}, "sections": sections, "shared": False, "font_css": ""})
        assert (doc.number in html) is shown, level
    (part,) = [
        s
        for s in load_sections(DossierContext(case, lead, DossierLevel.internal, False))
        if s["key"] == "documents"
    ]
    assert [d["number"] for d in part["data"]] == [doc.number]  # the draft is not in it
    assert part["data"][0]["served_on"] == today().isoformat()
