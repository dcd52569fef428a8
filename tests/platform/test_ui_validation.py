"""Bad input on every form: a clear message, the user's input kept, and nothing changed."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.auth.models import User
from app.cases.models import Case, CaseState
from app.core.models import CalendarDay
from tests.ui_helpers import page_version, registration_form, sign_in, text


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"title": ""}, "This field is required."),
        ({"title": "长" * 301}, "Field cannot be longer than 300 characters."),
        ({"source": "carrier_pigeon"}, "Not a valid choice."),
        ({"allegations-0-misconduct_type": "laziness"}, "Not a valid choice."),
        ({"received_date": "2999-01-01"}, "The received date cannot be in the future."),
        ({"received_date": "yesterday"}, "Not a valid date value."),
        ({"respondents-0-name": "", "respondents-1-name": ""}, "Name at least one respondent."),
        (
            {"complainant_anonymous": "", "complainant_name": ""},
            "Give the complainant&#39;s name, or mark the complaint anonymous.",
        ),
    ],
)
def test_registration_form_refuses_bad_input_and_keeps_the_rest(
    client, db, make_user, override, message
):
    sign_in(client, make_user("SH", roles=("officer",), locale="en"))
    before = _count(db, Case)
    response = client.post("/cases/new", data=registration_form(**override))
    page = text(response)
    assert response.status_code == 422
    assert message in page
    assert "论文图3与图5为同一图像翻转" in page  # what the user typed is still there
    assert _count(db, Case) == before


def test_adding_a_respondent_row_keeps_what_was_typed(client, make_user):
    sign_in(client, make_user("SH", roles=("officer",)))
    page = text(client.post("/cases/new", data=registration_form(add="respondent")))
    assert 'name="respondents-2-name"' in page
    assert "王芳" in page


@pytest.fixture
def handled(make_user, make_case):
    officer = make_user("SH", roles=("officer",), locale="en")
    supervisor = make_user("SH", roles=("supervisor",), locale="en")
    case = make_case(state=CaseState.preliminary_review, by=officer)
    return officer, supervisor, case


def _post_step(client, case, name, **data):
    return client.post(f"/cases/{case.reference}/transitions/{name}", data=data)


def _unchanged(db, case, state):
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == state


def test_an_illegal_transition_is_refused_with_a_reason(client, db, handled):
    _officer, supervisor, case = handled
    sign_in(client, supervisor)
    response = _post_step(client, case, "close_case", version=page_version(client, case.reference))
    assert response.status_code == 409
    assert "This step is not possible in the case&#39;s current state." in text(response)
    _unchanged(db, case, CaseState.preliminary_review)


def test_a_step_for_another_role_is_refused(client, db, handled):
    officer, _supervisor, case = handled
    sign_in(client, officer)
    response = _post_step(client, case, "not_accept", reason="不受理")
    assert response.status_code == 403
    assert "You may not take this step: it is for a supervisor" in text(response)
    _unchanged(db, case, CaseState.preliminary_review)


def test_a_stale_version_is_refused_and_offers_a_reload(client, db, handled):
    _officer, supervisor, case = handled
    sign_in(client, supervisor)
    stale = int(page_version(client, case.reference)) - 1
    response = _post_step(client, case, "not_accept", reason="我的理由", version=stale)
    page = text(response)
    assert response.status_code == 409
    assert "changed by someone else" in page and "Reload the case" in page
    assert "我的理由" in page
    _unchanged(db, case, CaseState.preliminary_review)


def test_a_missing_reason_is_refused_and_the_form_stays_open(client, db, handled):
    _officer, supervisor, case = handled
    sign_in(client, supervisor)
    response = _post_step(
        client,
        case,
        "transfer_case",
        target_agency="JS",
        version=page_version(client, case.reference),
    )
    page = text(response)
    assert response.status_code == 422
    assert "A reason is required for this step." in page
    assert 'data-transition="transfer_case" open' in page
    _unchanged(db, case, CaseState.preliminary_review)


def test_an_oversized_reason_is_refused(client, db, handled):
    _officer, supervisor, case = handled
    sign_in(client, supervisor)
    response = _post_step(client, case, "not_accept", reason="字" * 5001)
    assert response.status_code == 422
    assert "longer than 5000 characters" in text(response)
    _unchanged(db, case, CaseState.preliminary_review)


def test_unknown_finding_values_are_refused(client, db, make_user, make_case):
    officer = make_user("SH", roles=("officer",), locale="en")
    case = make_case(state=CaseState.investigating, by=officer)
    case.lead.user.locale = "en"
    db.session.commit()
    sign_in(client, case.lead.user)
    response = _post_step(
        client,
        case,
        "submit_findings",
        report="报告全文",
        **{
            "finding-0-allegation_id": case.allegations[0].id,
            "finding-0-outcome": "guilty-ish",
        },
    )
    assert response.status_code == 422
    assert "A finding has an unknown allegation, respondent, outcome or severity." in text(response)
    assert "报告全文" in text(response)
    _unchanged(db, case, CaseState.investigating)


def test_team_form_refuses_unknown_role_and_outsiders(client, db, handled, make_user):
    _officer, supervisor, case = handled
    sign_in(client, supervisor)
    colleague = make_user("SH", roles=("officer",))
    response = client.post(
        f"/cases/{case.reference}/team", data={"user_id": colleague.id, "team_role": "boss"}
    )
    assert response.status_code == 422
    assert "Choose a team role from the list." in text(response)
    outsider = make_user("JS", roles=("officer",))
    response = client.post(
        f"/cases/{case.reference}/team", data={"user_id": outsider.id, "team_role": "lead"}
    )
    assert response.status_code == 422
    assert "Team members must be officers or supervisors of the owning agency." in text(response)
    db.session.expire_all()
    assert db.session.get(Case, case.id).members == []


def test_defence_form_refuses_a_bad_date(client, db, make_user, make_case):
    officer = make_user("SH", roles=("officer",), locale="en")
    case = make_case(state=CaseState.pre_decision_notice, by=officer)
    sign_in(client, officer)
    response = client.post(
        f"/cases/{case.reference}/defence", data={"received_on": "31/02/2026", "statement": "陈述"}
    )
    assert response.status_code == 422
    assert "Enter the date as YYYY-MM-DD." in text(response)
    assert "陈述" in text(response)
    db.session.expire_all()
    assert db.session.get(Case, case.id).defence_received_on is None


def test_extension_refuses_too_many_months(client, db, make_user, make_case):
    supervisor = make_user("SH", roles=("supervisor",), locale="en")
    case = make_case(state=CaseState.investigating)
    due = case.investigation_due
    sign_in(client, supervisor)
    response = client.post(
        f"/cases/{case.reference}/extension", data={"months": 99, "reason": "需要更多时间"}
    )
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Case, case.id).investigation_due == due


def test_login_and_password_forms_explain_errors(client, make_user):
    response = client.post("/login", data={"username": "", "password": ""})
    assert response.status_code == 200
    assert text(response).count("invalid-feedback d-block") == 2
    user = make_user("SH", roles=("officer",), locale="en")
    sign_in(client, user)
    page = text(
        client.post(
            "/account/password",
            data={"current": "test-password-123", "new": "long-enough-1", "confirm": "other"},
        )
    )
    assert "The passwords do not match." in page
    page = text(
        client.post(
            "/account/password",
            data={"current": "wrong-password", "new": "long-enough-1", "confirm": "long-enough-1"},
        )
    )
    assert "The current password is wrong." in page


@pytest.fixture
def admin(make_user):
    return make_user("SH", roles=("agency_admin",), locale="en")


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"username": "No Spaces!"}, "A username has 3 to 64 lower-case letters"),
        ({"roles": []}, "Give the user at least one role."),
        ({"roles": ["emperor"]}, "is not a valid choice"),
        ({"password": "short"}, "A password needs at least 10 characters."),
        ({"password": "demo-password"}, "The demo password is allowed only in demo mode."),
        ({"display_name": "名" * 101}, "Field cannot be longer than 100 characters."),
    ],
)
def test_user_creation_refuses_bad_input(client, db, admin, override, message):
    sign_in(client, admin)
    before = _count(db, User)
    data = {
        "username": "new-officer",
        "display_name": "新专员",
        "email": "",
        "roles": ["officer"],
        "password": "a-good-password-1",
    } | override
    response = client.post("/admin/users/new", data=data)
    assert response.status_code == 422
    assert message in text(response)
    assert _count(db, User) == before


def test_policy_refuses_out_of_range_values(client, db, admin):
    sign_in(client, admin)
    values = {
        "preliminary_review_days": 15,
        "investigation_months": 6,
        "extension_max_months": 6,
        "defence_days": 10,
        "review_request_days": 15,
        "review_decision_days": 90,
        "due_soon_days": 5,
        "token_max_days": 90,
        "joint_response_days": 10,
        "review_days": 30,
    }
    for field, bad in (
        ("defence_days", 0),
        ("investigation_months", 99),
        ("due_soon_days", "x"),
        ("joint_response_days", 0),
    ):
        response = client.post("/admin/policy", data=values | {field: bad})
        assert response.status_code == 422
        assert "Enter a number from" in text(response) or "Enter a whole number." in text(response)
    db.session.expire_all()
    assert db.session.get(User, admin.id).agency.policy.defence_days == 10


def test_calendar_refuses_known_years_duplicates_and_blank_names(client, db, admin):
    sign_in(client, admin)
    response = client.post(
        "/admin/calendar", data={"day": "2025-10-01", "kind": "holiday", "name": "国庆节"}
    )
    assert "The bundled calendar already covers 2025." in text(response)
    response = client.post("/admin/calendar", data={"day": "2099-10-01", "kind": "holiday"})
    assert "This field is required." in text(response)
    response = client.post(
        "/admin/calendar", data={"day": "2099-10-01", "kind": "sometimes", "name": "国庆节"}
    )
    assert "Not a valid choice." in text(response)
    assert _count(db, CalendarDay) == 0


def test_language_form_refuses_unknown_languages(client, db, make_user):
    user = make_user("SH", roles=("officer",), locale="en")
    sign_in(client, user)
    response = client.post("/account", data={"locale": "klingon"})
    assert "Not a valid choice." in text(response)
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "en"


def test_dates_in_the_list_filter_that_make_no_sense_are_ignored(client, make_user, make_case):
    officer = make_user("SH", roles=("officer",))
    case = make_case(by=officer, received_date=dt.date(2026, 3, 2))
    sign_in(client, officer)
    page = text(client.get("/cases?from=notadate&state=bogus&sort=evil&dir=sideways"))
    assert case.reference in page
