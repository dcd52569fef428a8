"""Second factor (TOTP): enrolment, the second step of signing in, recovery codes, the lock
on wrong codes, replays, the agency's requirement, remembered devices and the admin reset."""

from __future__ import annotations

import datetime as dt
import re

import pyotp
import pytest
from sqlalchemy import select, text

from app.auth import totp
from app.auth.models import RecoveryCode, UserTotp
from app.auth.passwords import hash_password
from app.core.models import AuditEntry
from tests.conftest import TEST_PASSWORD
from tests.ui_helpers import sign_in
from tests.ui_helpers import text as page


def code(secret: str, steps_from_now: int = 0) -> str:
    """The authenticator's code for the time step `steps_from_now` away (each is used once)."""
    generator = pyotp.TOTP(secret)
    return generator.generate_otp(generator.timecode(dt.datetime.now(dt.UTC)) + steps_from_now)


def secret_on(html: str) -> str:
    found = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', html)
    assert found, "the set-up page shows no secret"
    return found.group(1).replace(" ", "")


def recovery_codes_on(html: str) -> list[str]:
    return re.findall(r"<li class=\"col-6\">([a-z0-9]{5}-[a-z0-9]{5})</li>", html)


def enrol(client, user) -> tuple[str, list[str]]:
    """Sets the second factor up from the account page, as the user would; returns the secret
    and the recovery codes. The code of this step is used, so `code(secret, 1)` is the one
    fresh for signing in: a code computed before a slow request may not lag a step behind."""
    sign_in(client, user)
    secret = secret_on(page(client.get("/account/second-factor")))
    form = {"code": code(secret), "password": TEST_PASSWORD}
    response = client.post("/account/second-factor", data=form)
    assert response.status_code == 200
    codes = recovery_codes_on(page(response))
    assert len(codes) == 10
    client.post("/logout")
    return secret, codes


def password_step(client, user, password: str = TEST_PASSWORD):
    """The first step; the pages before the second are in the browser's language: English."""
    client.post("/logout")
    client.post("/language/en")
    return client.post("/login", data={"username": user.username, "password": password})


def actions(db) -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def signed_in(client) -> bool:
    return client.get("/").status_code == 200


@pytest.fixture
def officer(make_user):
    return make_user("SH", roles=("officer",), locale="en")


def test_enrolment_shows_qr_and_secret_and_switches_on_only_with_a_valid_code(client, db, officer):
    sign_in(client, officer)
    setup = page(client.get("/account/second-factor"))
    secret = secret_on(setup)
    assert 'src="/account/second-factor/qr.svg"' in setup
    qr = client.get("/account/second-factor/qr.svg")
    assert qr.mimetype == "image/svg+xml" and qr.data.startswith(b"<svg")
    assert b"style=" not in qr.data and qr.headers["Cache-Control"] == "no-store"
    assert secret_on(page(client.get("/account/second-factor"))) == secret  # a reload keeps it

    wrong = client.post(
        "/account/second-factor", data={"code": "000000", "password": TEST_PASSWORD}
    )
    assert "That code does not match" in page(wrong)
    assert not totp.is_enrolled(officer)

    no_password = client.post("/account/second-factor", data={"code": code(secret)})
    assert "The current password is wrong." in page(no_password)
    assert not totp.is_enrolled(officer)

    form = {"code": code(secret), "password": TEST_PASSWORD}
    done = client.post("/account/second-factor", data=form)
    assert len(recovery_codes_on(page(done))) == 10
    assert done.headers["Cache-Control"] == "no-store"
    assert totp.is_enrolled(officer)
    assert "auth.totp_enrol" in actions(db)
    stored = db.session.execute(
        text("SELECT secret FROM user_totp WHERE user_id = :u"), {"u": officer.id}
    ).scalar_one()
    assert secret not in stored and stored.startswith("t1:")  # encrypted under the field key
    hashes = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert not set(hashes) & {c.replace("-", "") for c in recovery_codes_on(page(done))}
    assert "Recovery codes left: 10" in page(client.get("/account"))
    assert client.get("/account/second-factor/qr.svg").status_code == 404  # on: no more QR


def test_sign_in_with_a_code_and_nothing_is_granted_before_it(client, db, officer):
    secret, _codes = enrol(client, officer)
    response = password_step(client, officer)
    assert response.status_code == 302 and response.headers["Location"] == "/login/code"
    for path in (
        "/",
        "/account",
        "/cases",
        "/account/second-factor",
        "/account/second-factor/qr.svg",
    ):
        assert client.get(path).status_code in (302, 404), path
    assert not signed_in(client)
    assert client.post("/account/second-factor/disable").status_code == 302
    assert totp.is_enrolled(officer)

    wrong = client.post("/login/code", data={"code": "123456"})
    assert "That code is wrong." in page(wrong) and not signed_in(client)
    assert "123456" not in wrong.get_data(as_text=True)  # the field is empty for the next code
    ok = client.post("/login/code", data={"code": code(secret, 1)})
    assert ok.status_code == 302 and ok.headers["Location"] == "/"
    assert signed_in(client)
    assert actions(db)[-3:] == ["auth.totp_failed", "auth.totp_ok", "auth.login"]
    assert "yrd_device" not in (ok.headers.get("Set-Cookie") or "")  # not remembered by default


def test_the_next_page_asked_for_survives_the_second_step(client, officer):
    secret, _codes = enrol(client, officer)
    client.post(
        "/login?next=/cases", data={"username": officer.username, "password": TEST_PASSWORD}
    )
    assert (
        client.post("/login/code", data={"code": code(secret, 1)}).headers["Location"] == "/cases"
    )


def test_a_recovery_code_signs_in_once(client, db, officer):
    _secret, codes = enrol(client, officer)
    password_step(client, officer)
    response = client.post("/login/code", data={"code": codes[3].upper()}, follow_redirects=True)
    assert "You used a recovery code. Recovery codes left: 9." in page(response)
    assert signed_in(client) and "auth.totp_recovery_used" in actions(db)

    password_step(client, officer)
    again = client.post("/login/code", data={"code": codes[3]})
    assert "That code is wrong." in page(again) and not signed_in(client)


def test_a_code_is_accepted_once(client, db, officer):
    secret, _codes = enrol(client, officer)
    current = code(secret, 1)
    password_step(client, officer)
    client.post("/login/code", data={"code": current})
    assert signed_in(client)
    password_step(client, officer)
    replay = client.post("/login/code", data={"code": current})
    assert "That code was used already." in page(replay) and not signed_in(client)
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "auth.totp_failed" and entry.details["reason"] == "replayed"
    older = code(secret)  # the enrolment's step (or the one just used), not after the last
    assert "That code was used already." in page(client.post("/login/code", data={"code": older}))


def test_wrong_codes_lock_the_second_step_for_a_growing_time(client, db, officer):
    secret, _codes = enrol(client, officer)
    password_step(client, officer)
    for _ in range(totp.FREE_FAILURES):
        assert client.post("/login/code", data={"code": "999999"}).status_code == 200
    row = db.session.scalar(select(UserTotp).where(UserTotp.user_id == officer.id))
    assert row.locked_until is None
    client.post("/login/code", data={"code": "999999"})
    db.session.refresh(row)
    first_lock = totp._aware(row.locked_until) - dt.datetime.now(dt.UTC)
    assert dt.timedelta(seconds=50) < first_lock <= dt.timedelta(minutes=1)

    refused = client.post("/login/code", data={"code": code(secret)})  # even the right code
    assert refused.status_code == 429 and "Too many wrong codes. Try again after" in page(refused)
    assert not signed_in(client) and "auth.totp_locked" in actions(db)

    row.locked_until = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)  # the minute is over
    db.session.flush()
    client.post("/login/code", data={"code": "999999"})
    db.session.refresh(row)
    second_lock = totp._aware(row.locked_until) - dt.datetime.now(dt.UTC)
    assert second_lock > dt.timedelta(minutes=1)  # each further failure locks longer

    row.locked_until = None
    db.session.flush()
    assert client.post("/login/code", data={"code": code(secret, 1)}).status_code == 302
    db.session.refresh(row)
    assert row.failed_count == 0


def test_failures_count_per_account_not_per_browser(app, client, db, officer):
    _secret, _codes = enrol(client, officer)
    other = app.test_client()
    for browser in (client, other, client, other, client):
        password_step(browser, officer)
        browser.post("/login/code", data={"code": "111111"})
    row = db.session.scalar(select(UserTotp).where(UserTotp.user_id == officer.id))
    assert row.failed_count == 5 and row.locked_until is not None


def test_remembered_device_skips_the_code_until_the_factor_is_reset(client, db, officer, make_user):
    secret, _codes = enrol(client, officer)
    password_step(client, officer)
    response = client.post("/login/code", data={"code": code(secret, 1), "remember": "y"})
    cookie = response.headers["Set-Cookie"]
    assert "yrd_device=" in cookie and "HttpOnly" in cookie and "Max-Age=2592000" in cookie

    again = password_step(client, officer)
    assert again.headers["Location"] == "/" and signed_in(client)
    assert "auth.totp_device_remembered" in actions(db)

    colleague = make_user("SH", roles=("officer",))
    enrol(client, colleague)
    client.set_cookie("yrd_device", cookie.split("yrd_device=")[1].split(";")[0])
    assert password_step(client, colleague).headers["Location"] == "/login/code"  # not theirs

    admin = make_user("SH", roles=("agency_admin",))
    sign_in(client, admin)
    client.post(f"/admin/users/{officer.id}/second-factor/reset")
    secret, _codes = enrol(client, officer)  # a new enrolment: the old device is forgotten
    client.set_cookie("yrd_device", cookie.split("yrd_device=")[1].split(";")[0])
    assert password_step(client, officer).headers["Location"] == "/login/code"


def test_required_role_is_sent_to_enrolment_and_can_do_nothing_else(client, db, make_user):
    supervisor = make_user("SH", roles=("supervisor",), locale="en")
    officer = make_user("SH", roles=("officer",))
    supervisor.agency.policy.totp_required = True
    db.session.flush()

    assert password_step(client, officer).headers["Location"] == "/"  # officers: password only
    response = password_step(client, supervisor)
    assert response.headers["Location"] == "/account/second-factor"
    assert not signed_in(client)
    assert client.get("/login/code").headers["Location"] == "/login"
    setup = page(client.get("/account/second-factor"))
    assert "Your agency requires two-step sign-in for your role." in setup
    assert client.get("/account/second-factor/qr.svg").status_code == 200
    assert client.get("/account").status_code == 302 and not signed_in(client)

    secret = secret_on(setup)
    done = client.post("/account/second-factor", data={"code": code(secret)})
    assert len(recovery_codes_on(page(done))) == 10
    assert signed_in(client) and totp.is_enrolled(supervisor)

    supervisor.agency.policy.totp_required = False  # with the policy off, none is asked
    db.session.flush()
    other = make_user("SH", roles=("agency_admin",))
    assert password_step(client, other).headers["Location"] == "/"


def test_a_session_begun_before_the_requirement_can_only_set_it_up(client, db, make_user):
    supervisor = make_user("SH", roles=("supervisor",), locale="en")
    sign_in(client, supervisor)
    assert client.get("/cases").status_code == 200
    supervisor.agency.policy.totp_required = True  # the administrator switches it on
    db.session.flush()
    for path in ("/", "/cases", "/account", "/admin/users"):
        assert client.get(path).headers["Location"] == "/account/second-factor", path
    setup = page(client.get("/account/second-factor"))
    assert client.get("/account/second-factor/qr.svg").status_code == 200
    form = {"code": code(secret_on(setup)), "password": TEST_PASSWORD}
    client.post("/account/second-factor", data=form)
    assert client.get("/cases").status_code == 200


def test_sysadmin_of_an_agency_requiring_it_enrols_too(client, db, make_user):
    sysadmin = make_user("SH", roles=("sysadmin",))
    sysadmin.agency.policy.totp_required = True
    db.session.flush()
    assert password_step(client, sysadmin).headers["Location"] == "/account/second-factor"


def test_the_pending_step_expires_and_ends_with_a_password_change(client, db, officer):
    secret, _codes = enrol(client, officer)
    password_step(client, officer)
    with client.session_transaction() as session:
        pending = session["second_step"]
        session["second_step"] = pending | {"since": pending["since"] - 601}
    assert (
        client.post("/login/code", data={"code": code(secret, 1)}).headers["Location"] == "/login"
    )
    assert not signed_in(client)

    password_step(client, officer)
    officer.password_hash = hash_password("another-strong-passphrase-42")  # reset meanwhile
    db.session.flush()
    assert (
        client.post("/login/code", data={"code": code(secret, 1)}).headers["Location"] == "/login"
    )
    assert not signed_in(client)


def test_regenerating_recovery_codes_needs_password_and_code(client, db, officer):
    secret, old_codes = enrol(client, officer)
    password_step(client, officer)
    client.post("/login/code", data={"code": old_codes[0]})
    form = {"codes-password": TEST_PASSWORD, "codes-code": "000000"}
    refused = client.post("/account/second-factor/recovery-codes", data=form)
    assert refused.status_code == 422
    assert "That code is wrong." in page(refused)
    form = {"codes-password": "wrong-password-1", "codes-code": old_codes[2]}
    refused = client.post("/account/second-factor/recovery-codes", data=form)
    assert refused.status_code == 422
    assert "The current password is wrong." in page(refused)

    form = {"codes-password": TEST_PASSWORD, "codes-code": code(secret, 1)}
    response = client.post("/account/second-factor/recovery-codes", data=form)
    new_codes = recovery_codes_on(page(response))
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert "auth.totp_recovery_codes" in actions(db)
    password_step(client, officer)
    assert "That code is wrong." in page(client.post("/login/code", data={"code": old_codes[1]}))
    assert client.post("/login/code", data={"code": new_codes[1]}).status_code == 302


def test_switching_off_needs_password_and_code_and_is_refused_when_required(
    client, db, officer, make_user
):
    _secret, codes = enrol(client, officer)
    password_step(client, officer)
    client.post("/login/code", data={"code": codes[0]})
    client.post(
        "/account/second-factor/disable", data={"off-password": "x" * 12, "off-code": codes[1]}
    )
    assert totp.is_enrolled(officer)
    form = {"off-password": TEST_PASSWORD, "off-code": codes[2]}
    response = client.post("/account/second-factor/disable", data=form, follow_redirects=True)
    assert "Two-step sign-in is off." in page(response)
    assert not totp.is_enrolled(officer) and "auth.totp_disable" in actions(db)
    assert password_step(client, officer).headers["Location"] == "/"

    supervisor = make_user("SH", roles=("supervisor",), locale="en")
    _secret, codes = enrol(client, supervisor)
    supervisor.agency.policy.totp_required = True
    db.session.flush()
    password_step(client, supervisor)
    client.post("/login/code", data={"code": codes[0]})
    form = {"off-password": TEST_PASSWORD, "off-code": codes[1]}
    response = client.post("/account/second-factor/disable", data=form, follow_redirects=True)
    assert "it cannot be switched off" in page(response) and totp.is_enrolled(supervisor)


def test_admin_resets_a_users_second_factor_of_their_own_agency(
    app, client, db, officer, make_user
):
    _secret, codes = enrol(client, officer)
    officer_browser = app.test_client()
    password_step(officer_browser, officer)
    officer_browser.post("/login/code", data={"code": codes[0]})
    assert signed_in(officer_browser)
    admin = make_user("SH", roles=("agency_admin",), locale="en")
    sign_in(client, admin)
    edit = page(client.get(f"/admin/users/{officer.id}"))
    assert "Recovery codes left: 9" in edit and "Reset second factor" in edit
    response = client.post(f"/admin/users/{officer.id}/second-factor/reset", follow_redirects=True)
    assert f"The second factor of {officer.username} was reset." in page(response)
    assert not totp.is_enrolled(officer)
    assert not signed_in(officer_browser)  # a session on the lost phone ends too
    assert not db.session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == officer.id)
    ).all()
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.action, entry.actor_id, entry.object_id) == (
        "user.totp_reset",
        admin.id,
        str(officer.id),
    )
    assert password_step(client, officer).headers["Location"] == "/"

    sign_in(client, admin)
    again = client.post(f"/admin/users/{officer.id}/second-factor/reset", follow_redirects=True)
    assert "This user has no second factor to reset." in page(again)


def test_admin_cannot_reset_another_agency_or_a_system_administrator(client, db, make_user):
    js_officer = make_user("JS", roles=("officer",))
    sysadmin = make_user("SH", roles=("sysadmin",))
    for person in (js_officer, sysadmin):
        enrol(client, person)
    admin = make_user("SH", roles=("agency_admin",), locale="en")
    sign_in(client, admin)
    assert client.post(f"/admin/users/{js_officer.id}/second-factor/reset").status_code == 404
    refused = client.post(f"/admin/users/{sysadmin.id}/second-factor/reset", follow_redirects=True)
    assert "System administrators are managed by the platform operators, not here." in page(refused)
    assert totp.is_enrolled(js_officer) and totp.is_enrolled(sysadmin)
    assert "user.totp_reset" not in actions(db)

    supervisor = make_user("SH", roles=("supervisor",))
    sign_in(client, supervisor)
    assert client.post(f"/admin/users/{js_officer.id}/second-factor/reset").status_code == 403


def test_policy_page_switches_the_requirement(client, db, make_user):
    admin = make_user("SH", roles=("agency_admin",), locale="en")
    _secret, codes = enrol(client, admin)  # or switching it on sends the admin to set it up
    password_step(client, admin)
    client.post("/login/code", data={"code": codes[0]})
    assert "Supervisors and administrators sign in with a second factor" in page(
        client.get("/admin/policy")
    )
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
    response = client.post("/admin/policy", data=values | {"totp_required": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert admin.agency.policy.totp_required is True
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "agency.policy_update" and entry.details == {
        "totp_required": [False, True]
    }

    bad = client.post("/admin/policy", data=values | {"totp_required": "", "defence_days": 0})
    assert bad.status_code == 422
    db.session.expire_all()
    assert admin.agency.policy.totp_required is True  # a refused form changes nothing

    client.post("/admin/policy", data=values)  # the box unticked
    db.session.expire_all()
    assert admin.agency.policy.totp_required is False


def test_demo_keeps_password_only_but_for_one_account(app, db, agency):
    from app.demo.data import DEMO_TOTP_USER
    from app.demo.loader import ensure_agencies, ensure_demo_second_factor, ensure_demo_users

    agencies = ensure_agencies()
    agencies["JS"].policy.totp_required = True
    users = ensure_demo_users(agencies)
    ensure_demo_second_factor(agencies, users)
    assert not any(a.policy.totp_required for a in agencies.values())
    enrolled = [name for name, user in users.items() if totp.is_enrolled(user)]
    assert enrolled == [DEMO_TOTP_USER]

    result = app.test_cli_runner().invoke(args=["demo-logins"])
    row = totp.totp_row(users[DEMO_TOTP_USER])
    assert f"{DEMO_TOTP_USER} also asks for a code" in result.output
    assert row.secret in result.output
    printed = re.search(r"code to use now: (\d{6})", result.output).group(1)
    assert totp.check_code(users[DEMO_TOTP_USER], printed) is totp.Outcome.accepted


def test_the_operator_resets_a_system_administrators_second_factor_at_the_command_line(
    app, client, db, make_user
):
    sysadmin = make_user("SH", roles=("sysadmin",))
    enrol(client, sysadmin)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reset-second-factor", sysadmin.username])
    assert result.exit_code == 0, result.output
    assert f"second factor of {sysadmin.username} reset" in result.output
    assert not totp.is_enrolled(sysadmin)
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.action, entry.actor_id) == ("user.totp_reset", None)

    again = runner.invoke(args=["reset-second-factor", sysadmin.username])
    assert again.exit_code != 0 and "该用户没有可重置的第二因素" in again.output  # zh by default
    assert "no user nobody" in runner.invoke(args=["reset-second-factor", "nobody"]).output
