"""Complainant identity on a need-to-know basis, masked respondent IDs, conflict declarations."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from app.cases.models import CaseState, TeamRole
from app.cases.services import assign_member
from app.core.errors import GuardFailed, NotAllowed
from app.core.models import AuditEntry
from app.protection.conflicts import declare_conflicts
from app.protection.identity import complainant_view, grant_complainant_access
from tests.conftest import scenario_supervisor

NAME, CONTACT = "李娜", "13800000000"


def team_case(make_case):
    case = make_case(state=CaseState.investigating)
    return case, scenario_supervisor(case)


def view_count(db, case) -> int:
    return len(
        db.session.scalars(
            select(AuditEntry.id).where(
                AuditEntry.case_id == case.id, AuditEntry.action == "complainant.view"
            )
        ).all()
    )


def test_identity_is_stored_encrypted(db, make_case):
    case = make_case()
    raw = db.session.execute(
        text("SELECT name, contact FROM complainants WHERE case_id = :c"), {"c": case.id}
    ).one()
    assert NAME not in raw.name and CONTACT not in raw.contact
    assert raw.name.startswith("t1:")


def test_ungranted_officers_never_see_the_identity_in_pages(db, make_case, make_user, login):
    case, _sup = team_case(make_case)
    lead = case.lead.user
    for user in (lead, make_user("SH", roles=("officer", "supervisor", "auditor"))):
        client = login(user)
        for url in (f"/cases/{case.reference}", "/cases", "/"):
            page = client.get(url).get_data(as_text=True)
            assert NAME not in page and CONTACT not in page
        assert case.reference not in client.get(f"/cases?q={NAME}").get_data(as_text=True)
        assert client.get(f"/cases/{case.reference}/complainant").status_code == 403
        assert complainant_view(case, user, via="page") is None
        client.post("/logout")
    assert view_count(db, case) == 0


def test_granted_member_sees_identity_and_every_view_is_audited(db, make_case, login):
    case, supervisor = team_case(make_case)
    lead = case.lead.user
    client = login(supervisor)
    response = client.post(
        f"/cases/{case.reference}/complainant-access",
        data={"member_id": case.lead.id, "grant": "1"},
    )
    assert response.status_code == 302
    db.session.refresh(case.lead)
    assert case.lead.complainant_access
    client.post("/logout")
    login(lead)
    detail = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert NAME not in detail and "show-complainant" in detail
    page = client.get(f"/cases/{case.reference}/complainant").get_data(as_text=True)
    assert NAME in page and CONTACT in page
    client.get(f"/cases/{case.reference}/complainant")
    assert view_count(db, case) == 2
    assert complainant_view(case, lead, via="page")["name"] == NAME
    assert view_count(db, case) == 3
    client.post("/logout")
    login(supervisor)
    client.post(
        f"/cases/{case.reference}/complainant-access",
        data={"member_id": case.lead.id, "grant": "0"},
    )
    db.session.refresh(case.lead)
    assert complainant_view(case, lead, via="page") is None


def test_only_a_supervisor_grants_and_only_to_team_members(db, make_case, make_user):
    case, supervisor = team_case(make_case)
    with pytest.raises(NotAllowed):
        grant_complainant_access(case, case.lead.id, case.lead.user)
    with pytest.raises(GuardFailed):
        grant_complainant_access(case, 999_999, supervisor)
    other = make_user("SH", roles=("officer",))
    assert complainant_view(case, other, via="page") is None


def test_team_sees_masked_respondent_id_others_see_none(db, make_case, make_user, login):
    case, _sup = team_case(make_case)
    client = login(case.lead.user)
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "31010119800101123X" not in page
    assert "3101**********123X" in page
    client.post("/logout")
    login(make_user("SH", roles=("officer",)))
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "123X" not in page.split('data-testid="protection-section"')[1].split("</div></div>")[0]


def test_missing_or_positive_declaration_blocks_assignment(db, make_case, make_user):
    case = make_case(state=CaseState.preliminary_review)
    supervisor = make_user("SH", roles=("supervisor",))
    newcomer = make_user("SH", roles=("officer",))
    with pytest.raises(GuardFailed, match="尚未就本案申报"):
        assign_member(case, newcomer, TeamRole.investigator, supervisor)
    declare_conflicts(case, newcomer, ["coauthor"], "与被举报人合作发表论文两篇")
    with pytest.raises(GuardFailed, match="已申报利益冲突"):
        assign_member(case, newcomer, TeamRole.investigator, supervisor)
    assert case.member_for(newcomer) is None
    clean = make_user("SH", roles=("officer",))
    declare_conflicts(case, clean, [])
    assign_member(case, clean, TeamRole.investigator, supervisor)
    assert case.member_for(clean) is not None


def test_declarations_are_made_in_the_ui_and_shown_on_the_case(db, make_case, make_user, login):
    case = make_case(state=CaseState.preliminary_review)
    officer = make_user("SH", roles=("officer",))
    client = login(officer)
    refused = client.post(
        f"/cases/{case.reference}/conflicts", data={"kinds": ["coauthor"], "none": "1"}
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "二者不能同时选择" in html and "未作任何修改" in html
    assert 'value="coauthor" id="kind-coauthor" checked' in html  # the ticks are kept
    assert 'data-testid="declarations"' not in html  # nothing was declared
    client.post(f"/cases/{case.reference}/conflicts", data={"kinds": ["relative"]})
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert 'data-testid="declarations"' in page and officer.display_name in page
    client.post("/logout")
    login(make_user("JS", roles=("officer",)))
    response = client.post(f"/cases/{case.reference}/conflicts", data={"none": "1"})
    assert response.status_code == 404


def test_access_matrix_for_identity_routes(db, make_case, make_user, login, client):
    case, _sup = team_case(make_case)
    grant = {"member_id": case.lead.id, "grant": "1"}
    assert client.get(f"/cases/{case.reference}/complainant").status_code == 302
    assert client.post(f"/cases/{case.reference}/complainant-access", data=grant).status_code == 302
    login(make_user("JS", roles=("supervisor",)))
    assert client.get(f"/cases/{case.reference}/complainant").status_code == 404
    assert client.post(f"/cases/{case.reference}/complainant-access", data=grant).status_code == 404
    client.post("/logout")
    login(case.lead.user)
    assert client.post(f"/cases/{case.reference}/complainant-access", data=grant).status_code == 403
    db.session.refresh(case.lead)
    assert not case.lead.complainant_access
