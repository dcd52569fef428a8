"""An agency administrator never manages a system administrator, nor grants or removes
`sysadmin`: every admin route, aimed at the system administrator's account, is refused and
changes nothing, whether the account sits in the platform pseudo-agency (where it belongs)
or still in the agency (as on installations from before the platform agency).

A route added to the admin blueprint without an entry here fails
`test_every_admin_route_has_a_sysadmin_target_case`.
"""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.auth.agencies import platform_agency
from app.auth.models import ApiToken, Role, User, UserRole, UserSession
from app.auth.permissions import can_manage_user, grantable_roles
from app.auth.services import create_token, create_user, update_user
from app.core.errors import InvalidInput, NotAllowed
from tests.ui_helpers import sign_in, text

_LANGUAGE_SWITCH = re.compile(
    r"<form\b(?:(?!</form>).)*data-testid=\"lang-switch\".*?</form>", re.S
)


def _offered(page: str) -> str:
    """The page without the language switch's form."""
    return _LANGUAGE_SWITCH.sub("", page)


NEW_PASSWORD = "quiet-harbour-lantern-58"


def _user_form(target: User) -> dict:
    return {"display_name": "接管", "email": "", "roles": ["officer", "agency_admin"]}


# endpoint: [(method, path(target), form data(target)), ...], each aimed at the system
# administrator's account (or, for agency-wide settings, at what would touch the platform).
SYSADMIN_TARGETS = {
    "admin.users": [("GET", lambda t: f"/admin/users?q={t.username}", None)],
    "admin.user_new": [
        (
            "POST",
            lambda t: "/admin/users/new",
            lambda t: {
                "username": "sh-second-root",
                "display_name": "第二个运维",
                "roles": ["sysadmin"],
                "password": NEW_PASSWORD,
            },
        )
    ],
    "admin.user_edit": [
        ("GET", lambda t: f"/admin/users/{t.id}", None),
        ("POST", lambda t: f"/admin/users/{t.id}", _user_form),
    ],
    "admin.user_active": [
        ("POST", lambda t: f"/admin/users/{t.id}/active", lambda t: {"active": "0"})
    ],
    "admin.user_second_factor_reset": [
        ("POST", lambda t: f"/admin/users/{t.id}/second-factor/reset", None)
    ],
    "admin.user_password": [
        ("POST", lambda t: f"/admin/users/{t.id}/password", lambda t: {"password": NEW_PASSWORD})
    ],
    "admin.user_sessions_end": [("POST", lambda t: f"/admin/users/{t.id}/sessions/end", None)],
    # Agency-wide settings: the administrator's own agency only, never the platform's.
    "admin.policy": [
        (
            "POST",
            lambda t: "/admin/policy",
            lambda t: {
                "preliminary_review_days": 20,
                "investigation_months": 6,
                "extension_max_months": 6,
                "defence_days": 10,
                "review_request_days": 15,
                "review_decision_days": 90,
                "due_soon_days": 5,
                "token_max_days": 1,
                "joint_response_days": 10,
                "review_days": 30,
            },
        )
    ],
    "admin.calendar": [("GET", lambda t: "/admin/calendar", None)],
    "admin.calendar_delete": [("POST", lambda t: "/admin/calendar/2099-01-01/delete", None)],
}


def _state(db, target: User) -> tuple:
    db.session.expire_all()
    user = db.session.get(User, target.id)
    tokens = db.session.scalars(
        select(ApiToken.revoked_at).where(ApiToken.user_id == target.id)
    ).all()
    root_count = db.session.scalar(
        select(func.count()).select_from(UserRole).where(UserRole.role == Role.sysadmin)
    )
    return (
        user.password_hash,
        user.active,
        db.session.scalar(
            select(func.count())
            .select_from(UserSession)
            .where(UserSession.user_id == target.id, UserSession.ended_at.is_not(None))
        ),
        user.display_name,
        sorted(r.value for r in user.roles),
        user.agency_id,
        platform_agency().policy.token_max_days,
        tokens,
        root_count,
        db.session.scalar(select(func.count()).select_from(User)),
    )


@pytest.fixture
def sysadmins(make_user, db):
    """The platform's system administrator, and one left in SH by an older installation."""
    platform = make_user("PLATFORM", roles=("sysadmin",), username="root-platform")
    legacy = make_user("SH", roles=("sysadmin",), username="root-legacy")
    for user in (platform, legacy):
        create_token(user, "monitoring")
    return {"platform": platform, "legacy": legacy}


def test_every_admin_route_has_a_sysadmin_target_case(app):
    admin_routes = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("admin.")}
    missing = admin_routes - set(SYSADMIN_TARGETS)
    assert not missing, f"aim these admin routes at the system administrator: {sorted(missing)}"
    assert not set(SYSADMIN_TARGETS) - admin_routes


@pytest.mark.parametrize("placement", ["platform", "legacy"])
@pytest.mark.parametrize("endpoint", sorted(SYSADMIN_TARGETS))
def test_an_agency_admin_cannot_touch_the_system_administrator(
    endpoint, placement, client, db, make_user, sysadmins
):
    target = sysadmins[placement]
    admin = make_user("SH", roles=("agency_admin",), locale="en")
    for method, path, data in SYSADMIN_TARGETS[endpoint]:
        before = _state(db, target)
        sign_in(client, admin)
        response = client.open(path(target), method=method, data=data(target) if data else None)
        where = f"{method} {path(target)} ({placement})"
        assert response.status_code in (200, 302, 403, 404, 422), where
        assert _state(db, target) == before, f"{where} changed the system administrator"
        # What the page offers, not what the admin posted: the language switch of a refused
        # form carries the posted values back as hidden inputs.
        page = _offered(text(response))
        assert f'action="/admin/users/{target.id}/password"' not in page, where
        assert f'action="/admin/users/{target.id}/active"' not in page, where
        assert 'value="sysadmin"' not in page, where


def test_the_platform_system_administrator_does_not_exist_for_an_agency_admin(
    client, make_user, sysadmins
):
    target = sysadmins["platform"]
    sign_in(client, make_user("SH", roles=("agency_admin",)))
    assert client.get(f"/admin/users/{target.id}").status_code == 404
    assert (
        client.post(
            f"/admin/users/{target.id}/password", data={"password": NEW_PASSWORD}
        ).status_code
        == 404
    )
    assert target.username not in text(client.get("/admin/users"))


def test_a_legacy_system_administrator_is_shown_without_actions_and_posts_are_refused(
    client, db, make_user, sysadmins
):
    target = sysadmins["legacy"]
    sign_in(client, make_user("SH", roles=("agency_admin",), locale="en"))
    listing = text(client.get("/admin/users"))
    assert target.username in listing
    assert f"/admin/users/{target.id}/active" not in listing
    page = text(client.get(f"/admin/users/{target.id}"))
    assert 'data-testid="not-manageable"' in page
    assert "Reset password" not in page and "Deactivate" not in page
    for path, data in (
        (f"/admin/users/{target.id}/password", {"password": NEW_PASSWORD}),
        (f"/admin/users/{target.id}/active", {"active": "0"}),
    ):
        shown = text(client.post(path, data=data, follow_redirects=True))
        assert "System administrators are managed by the platform operators" in shown
    edited = text(client.post(f"/admin/users/{target.id}", data=_user_form(target)))
    assert "System administrators are managed by the platform operators" in edited
    db.session.expire_all()
    assert target.active and target.roles == {Role.sysadmin}


def test_agency_admins_grant_agency_roles_only(db, make_user):
    admin = make_user("SH", roles=("agency_admin",))
    officer = make_user("SH", roles=("officer",))
    assert Role.sysadmin not in grantable_roles(admin)
    with pytest.raises(NotAllowed):
        update_user(officer, admin, "专员", None, ["officer", "sysadmin"])
    with pytest.raises(NotAllowed):
        create_user("sh-root2", "运维", admin.agency, ["sysadmin"], NEW_PASSWORD, actor=admin)
    db.session.expire_all()
    assert officer.roles == {Role.officer}
    assert db.session.scalar(select(User).where(User.username == "sh-root2")) is None


def test_the_roles_form_does_not_offer_sysadmin_and_refuses_it_posted(client, db, make_user):
    admin = make_user("SH", roles=("agency_admin",), locale="en")
    officer = make_user("SH", roles=("officer",))
    sign_in(client, admin)
    assert 'value="sysadmin"' not in text(client.get(f"/admin/users/{officer.id}"))
    assert 'value="sysadmin"' not in text(client.get("/admin/users/new"))
    response = client.post(
        f"/admin/users/{officer.id}",
        data={"display_name": "专员", "email": "", "roles": ["officer", "sysadmin"]},
    )
    assert response.status_code == 422 and "is not a valid choice" in text(response)
    db.session.expire_all()
    assert officer.roles == {Role.officer}


def test_agency_admin_of_another_agency_and_sysadmin_rules(make_user, sysadmins):
    sh_admin = make_user("SH", roles=("agency_admin",))
    js_admin = make_user("JS", roles=("agency_admin",))
    sh_officer = make_user("SH", roles=("officer",))
    assert can_manage_user(sh_admin, sh_officer)
    assert not can_manage_user(js_admin, sh_officer)
    for target in sysadmins.values():
        assert not can_manage_user(sh_admin, target)
        assert can_manage_user(None, target)  # the console
    # A system administrator manages nobody from the pages either.
    assert not can_manage_user(sysadmins["platform"], sh_officer)
    for actor, agency in ((js_admin, sh_officer.agency), (sh_admin, sysadmins["platform"].agency)):
        with pytest.raises(NotAllowed):
            create_user(
                "new-one",
                "新人",
                agency,
                ["sysadmin" if agency.is_platform else "officer"],
                NEW_PASSWORD,
                actor=actor,
            )


def test_system_administrators_belong_to_the_platform_only(app, db, agency):
    with force_locale("en"), pytest.raises(InvalidInput, match="belongs to the platform"):
        create_user("sh-root3", "运维", agency("SH"), ["sysadmin"], NEW_PASSWORD)
    with force_locale("en"), pytest.raises(InvalidInput, match="system administrators only"):
        create_user("plat-officer", "专员", agency("PLATFORM"), ["officer"], NEW_PASSWORD)
    root = create_user("root-new", "运维", agency("PLATFORM"), ["sysadmin"], NEW_PASSWORD)
    assert root.agency.is_platform


def test_the_console_manages_system_administrators(app, db, sysadmins):
    from app.auth.passwords import check_password
    from tests.auth.test_accounts_cli import run_cli

    target = sysadmins["platform"]
    result = run_cli(
        app, ["users", "reset-password", target.username], input=f"{NEW_PASSWORD}\n" * 2
    )
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert check_password(target.password_hash, NEW_PASSWORD)
    result = run_cli(app, ["users", "deactivate", target.username])
    assert result.exit_code == 0 and not db.session.get(User, target.id).active
