"""The demo's documents: issued and served with their numbers, PDFs and hashes, and the
windows those services started. The demo step runs on cases made here (loading the whole
demo takes a minute; tests/demo covers the loader)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from app.cases.models import CaseState
from app.core.calendar import add_working_days, today
from app.documents.demo import demo_documents
from app.documents.models import DocumentKind, DocumentState, OfficialDocument


def test_demo_issues_and_serves_documents_with_numbers(app, db, make_case, make_user, agency):
    cases = {
        s: make_case(state=s) for s in (CaseState.investigating, CaseState.pre_decision_notice)
    }
    make_case(state=CaseState.findings)
    users = {"sh-officer": make_user("SH"), "sh-supervisor": make_user("SH", roles=("supervisor",))}
    assert demo_documents({"SH": agency("SH")}, users) == 2
    issued = db.session.scalars(
        select(OfficialDocument).where(OfficialDocument.state == DocumentState.issued)
    ).all()
    year = today().year
    assert sorted(d.number for d in issued) == [f"沪科诚〔{year}〕1号", f"沪科诚〔{year}〕2号"]
    assert all(Path(app.config["FILE_STORE"], d.pdf_path).is_file() for d in issued)
    (notice,) = [d for d in issued if d.kind == DocumentKind.pre_decision_notice]
    assert notice.service.served_on == today()
    case = cases[CaseState.pre_decision_notice]
    assert case.defence_due == add_working_days(today(), case.agency.policy.defence_days)
    drafts = db.session.scalars(
        select(OfficialDocument).where(OfficialDocument.state == DocumentState.draft)
    ).all()
    assert [d.kind for d in drafts] == [DocumentKind.acceptance_notice]
