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
    assert case.reference not in page  # eight working days away: not yet "due soon"
    policy.due_soon_days = 10
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "Due within 10 working days" in page
    assert case.reference in page
