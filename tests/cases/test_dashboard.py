import datetime as dt

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


def test_the_state_counts_hold_a_joint_case_once_beside_the_agencys_own(
    db, client, joint, make_case
):
    """The counts are added up part by part of what a user sees (the agency's cases, then
    the cases a joint investigation opens): a participant's count holds the joint case,
    and the owner's holds it once."""
    from sqlalchemy import func, select

    from app.cases.models import Case
    from app.cases.permissions import visible_clause
    from app.cases.queries import dashboard_counts
    from tests.ui_helpers import sign_in

    make_case(agency="JS", state=CaseState.investigating)
    db.session.commit()
    for who in ("js_supervisor", "js_officer", "sh_supervisor", "zj_supervisor"):
        user = joint[who]
        by_state = dashboard_counts(user)["by_state"]
        expected = dict(
            db.session.execute(
                select(Case.state, func.count()).where(visible_clause(user)).group_by(Case.state)
            ).all()
        )
        assert by_state == expected, who
    assert dashboard_counts(joint["js_supervisor"])["by_state"][CaseState.investigating] >= 2
    sign_in(client, joint["js_officer"])
    page = client.get("/").get_data(as_text=True)
    block = page.split('data-testid="state-investigating"', 1)[1].split("</a>", 1)[0]
    assert block.endswith('<span class="ms-1">2</span>')


def test_my_cases_come_soonest_due_first_and_undated_last_across_agency_and_joint_cases(
    db, joint, make_case
):
    """The list is merged from the first cases of each part of what the user sees (the
    agency's, the joint ones): the order is the same as over all of them at once."""
    import datetime as dt

    from app.cases.models import CaseMember, TeamRole
    from app.cases.queries import my_cases

    officer = joint["js_officer"]
    shared = joint["case"]  # an SH case JS takes part in, with this officer named
    dates = [None, today() + dt.timedelta(days=9), today() + dt.timedelta(days=2), None]
    own = []
    for due in dates:
        case = make_case(agency="JS", state=CaseState.investigating)
        case.due_date = due
        case.members.append(CaseMember(user_id=officer.id, team_role=TeamRole.investigator))
        own.append(case)
    shared.due_date = today() + dt.timedelta(days=5)
    shared.members.append(CaseMember(user_id=officer.id, team_role=TeamRole.investigator))
    db.session.commit()
    listed = my_cases(officer, limit=4)
    assert listed == [own[2], shared, own[1], min(own[0], own[3], key=lambda c: c.id)]
    assert [c.id for c in my_cases(officer)] == [c.id for c in listed] + [max(own[0].id, own[3].id)]


def test_the_dashboard_counts_stop_at_their_cap(
    db, make_case, make_user, login, client, monkeypatch
):
    """Each count (a state, overdue, due soon) reads at most the cap's rows and stops there
    (shown as "99+" past 99, like the queue's badge): counted in full, they read every case
    of the agency on every dashboard."""
    import app.cases.queries as queries

    supervisor = make_user("SH", roles=("supervisor",), locale="en")
    for _ in range(3):
        case = make_case(agency="SH", state=CaseState.preliminary_review)
        case.due_date = today() - dt.timedelta(days=3)
    make_case(agency="SH", state=CaseState.received)
    db.session.commit()
    exact = queries.dashboard_counts(supervisor)
    assert exact["by_state"][CaseState.preliminary_review] == 3
    assert exact["overdue"] == 3
    monkeypatch.setattr(queries, "DASHBOARD_COUNT_CAP", 2)
    capped = queries.dashboard_counts(supervisor)
    assert capped["by_state"][CaseState.preliminary_review] == 2
    assert capped["by_state"][CaseState.received] == 1
    assert capped["overdue"] == 2
    login(supervisor)
    page = client.get("/").get_data(as_text=True)
    overdue = page.split('data-testid="overdue-count"', 1)[1].split("</a>", 1)[0]
    assert overdue.endswith(">2")
    state = page.split('data-testid="state-preliminary_review"', 1)[1].split("</a>", 1)[0]
    assert state.endswith(">2</span>")
