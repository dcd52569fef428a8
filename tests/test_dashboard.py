from app.cases.models import CaseState
from app.core.calendar import add_working_days, today


def test_due_soon_follows_the_agency_policy(db, make_case, make_user, login, client):
    case = make_case(agency="SH", state=CaseState.preliminary_review)
    case.due_date = add_working_days(today(), 8)
    case.preliminary_due = case.due_date
    user = make_user("SH", roles=("supervisor",), locale="en")
    policy = user.agency.policy
    policy.due_soon_days = 5
    db.session.commit()
    login(user)
    page = client.get("/").get_data(as_text=True)
    assert "Due within 5 working days" in page
    deadlines = page[page.index("Deadlines: overdue and due soon") :]
    assert case.reference not in deadlines  # eight working days away: not yet "due soon"
    policy.due_soon_days = 10
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "Due within 10 working days" in page
    assert case.reference in page[page.index("Deadlines: overdue and due soon") :]


def _on_team(db, make_case, make_user):
    from app.cases.models import TeamRole
    from app.cases.services import assign_member
    from app.protection.conflicts import declare_conflicts

    case = make_case(agency="SH", state=CaseState.preliminary_review)
    supervisor = make_user("SH", roles=("supervisor",))
    officer = make_user("SH", roles=("officer",), locale="en")
    declare_conflicts(case, officer, [])
    assign_member(case, officer, TeamRole.investigator, supervisor)
    db.session.commit()
    return case, officer


def test_my_cases_lists_the_team_cases_of_the_user(db, make_case, make_user, login, client):
    case, officer = _on_team(db, make_case, make_user)
    login(officer)
    page = client.get("/").get_data(as_text=True)
    assert case.reference in page and case.title in page


def test_my_cases_forgets_a_case_after_a_move_to_another_agency(
    db, make_case, make_user, agency, login, client
):
    case, officer = _on_team(db, make_case, make_user)
    officer.agency = agency("JS")  # the team row stays behind; access does not
    db.session.commit()
    login(officer)
    page = client.get("/").get_data(as_text=True)
    assert case.reference not in page and case.title not in page


def test_my_cases_forgets_a_case_after_the_roles_changed(db, make_case, make_user, login, client):
    from app.auth.models import Role

    case, officer = _on_team(db, make_case, make_user)
    officer.set_roles([Role.committee_member])
    db.session.commit()
    login(officer)
    page = client.get("/").get_data(as_text=True)
    assert case.reference not in page and case.title not in page
