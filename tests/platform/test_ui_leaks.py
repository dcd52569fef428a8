"""Another agency's case never shows on any page: list, search, filters, dashboard, detail."""

from __future__ import annotations

from app.cases.models import CaseState
from tests.ui_helpers import sign_in, text


def test_another_agencys_case_appears_nowhere(client, make_user, make_case):
    sh_officer = make_user("SH", roles=("officer",))
    secret = make_case(
        agency="SH", state=CaseState.investigating, by=sh_officer, title="沪独有标题甲乙丙丁"
    )
    visible = make_case(agency="JS", title="苏省内部案件")
    for roles in (("officer", "supervisor"), ("auditor",), ("agency_admin",)):
        sign_in(client, make_user("JS", roles=roles))
        pages = [
            text(client.get("/")),
            text(client.get("/cases")),
            text(client.get("/cases?q=沪独有")),
            text(client.get("/cases?q=张伟")),
            text(client.get("/cases?agency=SH")),
            text(client.get("/cases?state=investigating&sort=due&dir=asc")),
        ]
        for page in pages:
            assert secret.reference not in page
            assert "沪独有标题" not in page
        if roles != ("agency_admin",):
            assert visible.reference in pages[1]
        assert client.get(f"/cases/{secret.reference}").status_code == 404
        assert (
            client.post(
                f"/cases/{secret.reference}/transitions/suspend_investigation",
                data={"reason": "x"},
            ).status_code
            == 404
        )


def test_dashboard_counts_only_own_agency(client, make_user, make_case):
    make_case(agency="SH")
    make_case(agency="SH")
    js_officer = make_user("JS", roles=("officer",))
    make_case(agency="JS", by=js_officer)
    sign_in(client, js_officer)
    page = text(client.get("/"))
    block = page.split('data-testid="state-received"', 1)[1].split("</a>", 1)[0]
    assert block.endswith('<span class="ms-1">1</span>')


def test_admin_sees_only_own_agencys_users(client, make_user):
    sh_user = make_user("SH", roles=("officer",), display_name="上海专员某某")
    sign_in(client, make_user("JS", roles=("agency_admin",)))
    page = text(client.get("/admin/users?q=上海专员"))
    assert "上海专员某某" not in page and sh_user.username not in page
    assert sh_user.username not in text(client.get("/admin/users"))


def test_another_agencys_evidence_records_audit_and_dossiers_stay_hidden(
    db, client, make_user, make_case
):
    """The pages added with evidence, records, auditing and dossiers list only what the
    visitor's agency (or, for a dossier, the visitor) owns."""
    import io

    from app.dossiers.models import DossierLevel
    from app.dossiers.services import request_dossier
    from app.evidence.services import Upload, add_file_evidence
    from app.records.services import draft_record, suggested_draft

    sh_officer = make_user("SH", roles=("officer",))
    sh_auditor = make_user("SH", roles=("auditor",))
    case = make_case(state=CaseState.decided, by=sh_officer)
    item = add_file_evidence(
        case,
        Upload(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "secret.pdf"),
        sh_officer,
        title="沪内部证据甲乙丙",
    )
    record = draft_record(case, sh_officer, suggested_draft(case, case.respondents[0]))
    job = request_dossier(case, sh_auditor, DossierLevel.internal)
    dossier = case_dossier(db, case)
    download = f"/dossiers/{dossier.document_id}.pdf"

    sign_in(client, sh_auditor)
    assert download in text(client.get(f"/cases/{case.reference}"))
    own_log = text(client.get(f"/audit?case={case.reference}&action=evidence."))
    assert 'data-testid="audit-action">添加证据<' in own_log
    sign_in(client, make_user("SH", roles=("supervisor",)))
    colleague_page = text(client.get(f"/cases/{case.reference}"))
    assert "沪内部证据甲乙丙" in colleague_page and download not in colleague_page
    assert client.get(download).status_code == 404

    for roles in (("officer", "supervisor"), ("auditor",), ("agency_admin",)):
        sign_in(client, make_user("JS", roles=roles))
        assert client.get(f"/cases/{case.reference}/evidence").status_code == 404
        assert client.get(f"/cases/{case.reference}/evidence/{item.id}").status_code == 404
        for page in (client.get("/records"), client.get("/records?status=draft")):
            assert f"/records/{record.id}" not in text(page)
        assert client.get(f"/records/{record.id}").status_code == 404
        assert client.get(download).status_code == 404
        assert client.get(f"/jobs/{job.id}.json").status_code == 404
        if roles == ("auditor",):
            for page in (text(client.get("/audit")), text(client.get("/audit/export.csv"))):
                assert case.reference not in page
                assert "沪内部证据甲乙丙" not in page
            filtered = text(client.get(f"/audit?case={case.reference}&action=evidence."))
            assert 'data-testid="audit-action">添加证据<' not in filtered


def case_dossier(db, case):
    from sqlalchemy import select

    from app.dossiers.models import Dossier

    return db.session.scalar(select(Dossier).where(Dossier.case_id == case.id))
