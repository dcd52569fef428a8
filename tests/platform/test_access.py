from app.cases.models import CaseState


def test_other_agency_officer_gets_404_for_a_case(make_case, make_user, login):
    case = make_case(agency="SH")
    client = login(make_user("JS", roles=("officer",)))
    assert client.get(f"/cases/{case.reference}").status_code == 404


def test_list_search_never_shows_another_agencys_case(make_case, make_user, login):
    case = make_case(agency="SH", title="上海独有的案件标题甲乙丙")
    client = login(make_user("JS", roles=("officer", "supervisor", "auditor")))
    page = client.get("/cases?q=独有").get_data(as_text=True)
    assert case.reference not in page
    assert "独有的案件标题" not in page


def test_committee_member_and_sysadmin_see_no_cases(make_case, make_user, login, client):
    case = make_case(agency="SH", state=CaseState.investigating)
    for roles in (("committee_member",), ("sysadmin",)):
        login(make_user("SH", roles=roles))
        assert client.get(f"/cases/{case.reference}").status_code == 404
        assert case.reference not in client.get("/cases").get_data(as_text=True)
        client.post("/logout")


def test_own_agency_officer_sees_and_searches_by_respondent(make_case, make_user, login):
    case = make_case(agency="SH")
    client = login(make_user("SH", roles=("officer",)))
    assert client.get(f"/cases/{case.reference}").status_code == 200
    assert case.reference in client.get("/cases?q=张伟").get_data(as_text=True)
