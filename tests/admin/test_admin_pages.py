"""Agency administrators manage their users, deadline policy and calendar from the pages."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.auth.models import Role, User
from app.core.audit import AuditEntry
from app.core.calendar import is_workday
from tests.ui_helpers import sign_in, text


@pytest.fixture
def admin(make_user):
    return make_user("SH", roles=("agency_admin",), locale="en")


def _user(db, username) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == username))


def _actions(db) -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action)))


def test_admin_creates_edits_deactivates_and_resets_a_user(client, db, admin):
    sign_in(client, admin)
    response = client.post(
        "/admin/users/new",
        data={
            "username": "sh-newcomer",
            "display_name": "新来的专员",
            "email": "new@example.org",
            "roles": ["officer"],
            "password": "first-password-1",
        },
    )
    assert response.status_code == 302
    assert "新来的专员" in text(client.get("/admin/users?q=newcomer"))
    newcomer = _user(db, "sh-newcomer")
    assert newcomer.agency_id == admin.agency_id and newcomer.roles == {Role.officer}

    client.post(
        f"/admin/users/{newcomer.id}",
        data={"display_name": "新来的负责人", "email": "", "roles": ["officer", "supervisor"]},
    )
    assert _user(db, "sh-newcomer").roles == {Role.officer, Role.supervisor}

    client.post(f"/admin/users/{newcomer.id}/active", data={"active": "0"})
    assert not _user(db, "sh-newcomer").active
    client.post("/logout")
    login = client.post("/login", data={"username": "sh-newcomer", "password": "first-password-1"})
    assert login.status_code == 200 and "deactivated" in text(login)

    sign_in(client, admin)
    client.post(f"/admin/users/{newcomer.id}/active", data={"active": "1"})
    client.post(f"/admin/users/{newcomer.id}/password", data={"password": "second-password-2"})
    client.post("/logout")
    old = client.post("/login", data={"username": "sh-newcomer", "password": "first-password-1"})
    assert old.status_code == 200
    new = client.post("/login", data={"username": "sh-newcomer", "password": "second-password-2"})
    assert new.status_code == 302
    for action in ("user.create", "user.update", "user.deactivate", "user.activate"):
        assert action in _actions(db)
    assert "user.reset_password" in _actions(db)


def test_admin_cannot_deactivate_themself(client, db, admin):
    """Refused on the list, the list is shown again with why; from the user's page, that page."""
    sign_in(client, admin)
    before = len(_actions(db))
    response = client.post(f"/admin/users/{admin.id}/active", data={"active": "0"})
    assert response.status_code == 422
    assert "You cannot deactivate your own account." in text(response)
    assert 'name="q"' in text(response)  # the users list
    edit = client.post(f"/admin/users/{admin.id}/active", data={"active": "0", "back": "edit"})
    assert edit.status_code == 422
    assert "You cannot deactivate your own account." in text(edit)
    assert f"Edit {admin.username}" in text(edit)
    assert _user(db, admin.username).active
    assert len(_actions(db)) == before


def test_refused_user_edit_keeps_what_was_typed_and_changes_nothing(client, db, admin, make_user):
    other = make_user("SH", roles=("officer",), display_name="原来的名字")
    sign_in(client, admin)
    response = client.post(
        f"/admin/users/{other.id}",
        data={"display_name": "新的名字", "email": "not-an-address", "roles": ["officer"]},
    )
    assert response.status_code == 422
    assert 'value="新的名字"' in text(response)
    assert _user(db, other.username).display_name == "原来的名字"


def test_refused_calendar_change_shows_why_and_keeps_nothing(client, db, admin):
    sign_in(client, admin)
    before = len(_actions(db))
    response = client.post("/admin/calendar/2099-03-03/delete")
    assert response.status_code == 422
    assert "That date has no entry." in text(response)
    long_name = "节" * 81
    added = client.post(
        "/admin/calendar", data={"day": "2099-03-04", "kind": "holiday", "name": long_name}
    )
    assert added.status_code == 422  # the form refuses it before the service
    assert 'value="2099-03-04"' in text(added)
    assert len(_actions(db)) == before


def test_users_list_is_paginated(client, admin, make_user):
    for _ in range(27):
        make_user("SH", roles=("auditor",))
    sign_in(client, admin)
    first = text(client.get("/admin/users"))
    assert 'aria-label="Pages"' in first
    assert "page=2" in first


def test_policy_change_is_saved_audited_and_used_for_new_deadlines(
    client, db, admin, make_user, make_case
):
    sign_in(client, admin)
    values = {
        "preliminary_review_days": 20,
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
    response = client.post("/admin/policy", data=values, follow_redirects=True)
    assert "Deadline policy saved." in text(response)
    assert "agency.policy_update" in _actions(db)
    db.session.expire_all()
    assert admin.agency.policy.preliminary_review_days == 20


def test_calendar_override_changes_working_days_for_an_unknown_year(client, db, admin):
    sign_in(client, admin)
    day = dt.date(2099, 1, 5)  # a Monday in a year the bundled calendar does not know
    assert is_workday(day)
    response = client.post(
        "/admin/calendar",
        data={"day": day.isoformat(), "kind": "holiday", "name": "元旦调休"},
        follow_redirects=True,
    )
    assert "元旦调休" in text(response)
    db.session.expire_all()
    assert not is_workday(day)
    client.post(f"/admin/calendar/{day.isoformat()}/delete")
    db.session.expire_all()
    assert is_workday(day)
    assert {"calendar.add", "calendar.remove"} <= set(_actions(db))


def test_administration_is_in_the_menu_once_and_only_for_administrators(client, admin, make_user):
    from app import create_app

    create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})  # a second app instance
    sign_in(client, admin)
    assert text(client.get("/")).count('href="/admin/users"') == 1
    sign_in(client, make_user("SH", roles=("officer", "supervisor")))
    assert 'href="/admin/users"' not in text(client.get("/"))


def test_a_zero_longest_extension_is_a_valid_policy(client, db, admin):
    """0 is in the allowed range (no extension at all) and is saved, not taken for blank."""
    sign_in(client, admin)
    values = {
        "preliminary_review_days": 15,
        "investigation_months": 6,
        "extension_max_months": 0,
        "defence_days": 10,
        "review_request_days": 15,
        "review_decision_days": 90,
        "due_soon_days": 5,
        "token_max_days": 30,
        "joint_response_days": 10,
        "review_days": 30,
    }
    response = client.post("/admin/policy", data=values, follow_redirects=True)
    assert "Deadline policy saved." in text(response)
    db.session.expire_all()
    assert admin.agency.policy.extension_max_months == 0
    assert admin.agency.policy.token_max_days == 30
    blank = client.post("/admin/policy", data=values | {"defence_days": ""})
    assert "Enter a whole number." in text(blank)
