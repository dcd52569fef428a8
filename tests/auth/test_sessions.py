"""Server-side sessions: sign-out, password changes, role changes, deactivation and the
sessions page end a browser's session on the server, not just in its cookie."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from app import create_app
from app.auth.models import LoginThrottle, SessionEnd, UserSession
from app.auth.tasks import prune_sign_in_records
from app.core.audit import AuditEntry
from app.jobs.schedule import PERIODIC
from tests.conftest import TEST_PASSWORD, base_config
from tests.ui_helpers import sign_in, text

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def _browser(app, user, agent: str = FIREFOX, address: str = "198.51.100.20"):
    """Another browser of the same person: its own cookie jar, agent and address."""
    other = app.test_client()
    other.environ_base.update({"HTTP_USER_AGENT": agent, "REMOTE_ADDR": address})
    sign_in(other, user)
    return other


def _signed_in(client) -> bool:
    response = client.get("/")
    return response.status_code == 200


def _sessions(db, user) -> list[UserSession]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)
        )
    )


def _actions(db) -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_changing_the_own_password_succeeds_and_ends_the_other_sessions(app, client, db, make_user):
    user = make_user("SH", roles=("officer",), locale="en")
    sign_in(client, user)
    laptop = _browser(app, user)
    response = client.post(
        "/account/password",
        data={"current": TEST_PASSWORD, "new": "a-new-pass-2026", "confirm": "a-new-pass-2026"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Your password has been changed." in text(response)
    assert _signed_in(client), "the session that changed the password goes on"
    assert not _signed_in(laptop), "the other browser is signed out"
    ended = [s for s in _sessions(db, user) if s.ended_at is not None]
    assert [s.end_reason for s in ended] == [SessionEnd.password_change]
    assert "auth.sessions_end" in _actions(db) and "user.change_password" in _actions(db)
    client.post("/logout")
    old = client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    assert old.status_code == 200
    sign_in(client, user, password="a-new-pass-2026")


def test_a_cookie_copied_before_logout_no_longer_opens_a_page(app, client, make_user):
    user = make_user("SH", roles=("officer",))
    sign_in(client, user)
    copied = client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert _signed_in(thief), "the copy works while the session is live"
    client.post("/logout")
    response = thief.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_sessions_page_lists_the_users_browsers_and_marks_this_one(app, client, make_user):
    user = make_user("SH", roles=("officer",), locale="en")
    _browser(app, user, agent=SAFARI, address="203.0.113.44")
    client.environ_base["HTTP_USER_AGENT"] = FIREFOX
    sign_in(client, user)
    page = text(client.get("/account/sessions"))
    assert page.count('data-session="') == 2
    assert page.count('data-testid="this-session"') == 1
    assert "Safari · iOS" in page and "Firefox · Windows" in page
    assert "203.0.113.44" in page
    assert "/account/sessions" in text(client.get("/account"))


def test_ending_another_session_signs_that_browser_out(app, client, db, make_user):
    user = make_user("SH", roles=("officer",), locale="en")
    phone = _browser(app, user, agent=SAFARI)
    sign_in(client, user)
    phone_session = _sessions(db, user)[0]
    response = client.post(f"/account/sessions/{phone_session.id}/end", follow_redirects=True)
    assert "that browser is signed out" in text(response)
    assert not _signed_in(phone)
    assert _signed_in(client)
    assert _sessions(db, user)[0].end_reason is SessionEnd.ended_by_user
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()
    assert entry.action == "auth.session_end" and entry.object_id == str(phone_session.id)
    assert client.post(f"/account/sessions/{phone_session.id}/end").status_code == 404


def test_ending_this_session_signs_out_here(client, db, make_user):
    user = make_user("SH", roles=("officer",))
    sign_in(client, user)
    (mine,) = _sessions(db, user)
    response = client.post(f"/account/sessions/{mine.id}/end")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert not _signed_in(client)


def test_ending_every_other_session_keeps_this_one(app, client, db, make_user):
    user = make_user("SH", roles=("officer",), locale="en")
    others = [_browser(app, user), _browser(app, user, agent=SAFARI)]
    sign_in(client, user)
    page = text(client.get("/account/sessions"))
    assert "End all other sessions" in page
    response = client.post("/account/sessions/end-others", follow_redirects=True)
    assert "Sessions ended: 2." in text(response)
    assert _signed_in(client)
    assert not any(_signed_in(other) for other in others)


def test_the_sessions_page_never_shows_or_ends_anyone_elses_session(app, client, db, make_user):
    victim = make_user("SH", roles=("officer",))
    _browser(app, victim, address="192.0.2.250")
    (theirs,) = _sessions(db, victim)
    sign_in(client, make_user("SH", roles=("officer",)))
    assert "192.0.2.250" not in text(client.get("/account/sessions"))
    assert client.post(f"/account/sessions/{theirs.id}/end").status_code == 404
    assert _sessions(db, victim)[0].ended_at is None


@pytest.fixture
def admin(make_user):
    return make_user("SH", roles=("agency_admin",), locale="en")


@pytest.mark.parametrize(
    ("step", "reason"),
    [
        (lambda user: (f"/admin/users/{user.id}/active", {"active": "0"}), SessionEnd.deactivated),
        (
            lambda user: (f"/admin/users/{user.id}/password", {"password": "reset-by-admin-77"}),
            SessionEnd.password_reset,
        ),
        (
            lambda user: (
                f"/admin/users/{user.id}",
                {"display_name": user.display_name, "roles": ["officer", "supervisor"]},
            ),
            SessionEnd.role_change,
        ),
    ],
    ids=["deactivation", "password-reset", "role-change"],
)
def test_administrator_steps_end_the_users_sessions(
    app, client, db, admin, make_user, step, reason
):
    user = make_user("SH", roles=("officer",))
    theirs = _browser(app, user)
    sign_in(client, admin)
    path, data = step(user)
    assert client.post(path, data=data).status_code == 302
    assert not _signed_in(theirs)
    assert [s.end_reason for s in _sessions(db, user)] == [reason]
    assert _signed_in(client), "the administrator's own session goes on"


def test_saving_a_user_without_changing_roles_keeps_their_sessions(
    app, client, db, admin, make_user
):
    user = make_user("SH", roles=("officer",))
    theirs = _browser(app, user)
    sign_in(client, admin)
    client.post(f"/admin/users/{user.id}", data={"display_name": "新名字", "roles": ["officer"]})
    assert _signed_in(theirs)


def test_an_administrator_ends_every_session_of_a_user(app, client, db, admin, make_user):
    user = make_user("SH", roles=("officer",))
    browsers = [_browser(app, user, address="203.0.113.9"), _browser(app, user, agent=SAFARI)]
    sign_in(client, admin)
    page = text(client.get(f"/admin/users/{user.id}"))
    assert 'data-testid="user-sessions"' in page and "203.0.113.9" in page
    response = client.post(f"/admin/users/{user.id}/sessions/end", follow_redirects=True)
    assert f"Sessions of {user.username} ended: 2." in text(response)
    assert not any(_signed_in(b) for b in browsers)
    assert {s.end_reason for s in _sessions(db, user)} == {SessionEnd.ended_by_admin}
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()
    assert entry.action == "auth.sessions_end" and entry.actor_id == admin.id
    assert entry.details["reason"] == "ended_by_admin" and len(entry.details["sessions"]) == 2


def test_an_administrator_cannot_end_sessions_of_another_agency_or_a_system_administrator(
    app, client, db, admin, make_user
):
    elsewhere = make_user("JS", roles=("officer",))
    sysadmin = make_user("SH", roles=("sysadmin",))
    kept = [_browser(app, elsewhere), _browser(app, sysadmin)]
    sign_in(client, admin)
    assert client.post(f"/admin/users/{elsewhere.id}/sessions/end").status_code == 404
    page = text(client.get(f"/admin/users/{sysadmin.id}"))
    assert 'data-testid="user-sessions"' not in page, "not offered for a system administrator"
    response = client.post(f"/admin/users/{sysadmin.id}/sessions/end", follow_redirects=True)
    assert "System administrators are managed by the platform operators" in text(response)
    assert all(_signed_in(b) for b in kept)
    assert all(s.ended_at is None for s in _sessions(db, elsewhere) + _sessions(db, sysadmin))


def test_a_session_unused_past_the_idle_timeout_ends(app, client, db, make_user, monkeypatch):
    user = make_user("SH", roles=("officer",))
    sign_in(client, user)
    (mine,) = _sessions(db, user)
    idle = app.config["SESSION_IDLE_SECONDS"]
    mine.last_seen_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=idle + 5)
    db.session.commit()
    assert not _signed_in(client)
    assert text(client.get("/account/sessions", follow_redirects=True)).count("data-session") == 0


def test_last_seen_is_written_at_most_once_a_minute(client, db, make_user):
    user = make_user("SH", roles=("officer",))
    sign_in(client, user)
    (mine,) = _sessions(db, user)
    seen = mine.last_seen_at
    client.get("/")
    assert _sessions(db, user)[0].last_seen_at == seen
    earlier = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)
    mine.last_seen_at = earlier
    db.session.commit()
    client.get("/cases")
    (mine,) = _sessions(db, user)
    assert mine.last_seen_at.replace(tzinfo=dt.UTC) > earlier + dt.timedelta(minutes=1)


def test_a_cookie_of_the_old_format_signs_nobody_in(client, make_user):
    """Cookies issued before server-side sessions carried "<id>:<version>" and no key."""
    user = make_user("SH", roles=("officer",))
    sign_in(client, user)
    with client.session_transaction() as cookie:
        cookie["_user_id"] = f"{user.id}:1"
        cookie.pop("sid", None)
    assert not _signed_in(client)


def test_ending_sessions_needs_the_forms_csrf_token(app, tmp_root, db, make_user):
    strict = create_app(
        base_config(tmp_root, app.config["SQLALCHEMY_DATABASE_URI"]) | {"WTF_CSRF_ENABLED": True}
    )
    user = make_user("SH", roles=("officer",))
    db.session.commit()
    phone = _browser(app, user, agent=SAFARI)
    client = strict.test_client()
    token = re.search(
        r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', text(client.get("/login"))
    )
    client.post(
        "/login",
        data={"username": user.username, "password": TEST_PASSWORD, "csrf_token": token.group(1)},
    )
    assert client.post("/account/sessions/end-others").status_code == 400
    assert _signed_in(phone)
    page = text(client.get("/account/sessions"))
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/account/sessions/end-others", data={"csrf_token": token})
    assert response.status_code == 302
    assert not _signed_in(phone)


def test_the_daily_prune_deletes_only_sign_in_records_long_over(db, make_user):
    assert "app.auth.tasks.prune_sign_in_records" in {p.func for p in PERIODIC}
    user = make_user("SH", roles=("officer",))
    now = dt.datetime.now(dt.UTC)
    long_ago = now - dt.timedelta(days=91)
    rows = {
        "ended long ago": UserSession(
            ended_at=long_ago, end_reason=SessionEnd.logout, last_seen_at=long_ago
        ),
        "idle long ago": UserSession(last_seen_at=long_ago),
        "ended lately": UserSession(
            ended_at=now - dt.timedelta(days=3), end_reason=SessionEnd.logout
        ),
        "live": UserSession(),
    }
    for n, row in enumerate(rows.values()):
        row.user_id, row.key_hash = user.id, f"{n:064d}"
        db.session.add(row)
    yesterday = now - dt.timedelta(days=2)
    db.session.add_all(
        [
            LoginThrottle(key="account:quiet", failures=2, last_failure_at=yesterday),
            LoginThrottle(key="account:recent", failures=2, last_failure_at=now),
        ]
    )
    db.session.flush()
    assert prune_sign_in_records() == {"sessions": 2, "throttles": 1}
    db.session.expire_all()
    kept = {row.id for row in _sessions(db, user)}
    assert kept == {rows["ended lately"].id, rows["live"].id}
    assert [t.key for t in db.session.scalars(select(LoginThrottle))] == ["account:recent"]
