"""Failed sign-ins are limited per account and per address, with lockouts that double;
successful sign-ins are never limited, so an office behind one address is not locked out."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app import create_app
from app.auth.models import LoginThrottle
from app.auth.throttle import account_key, address_key
from app.core.audit import AuditEntry
from tests.conftest import TEST_PASSWORD, base_config
from tests.ui_helpers import text

OFFICE = "198.51.100.80"


def _post_login(client, username: str, password: str, address: str = OFFICE):
    return client.post(
        "/login",
        data={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def _row(db, key: str) -> LoginThrottle | None:
    db.session.expire_all()
    return db.session.get(LoginThrottle, key)


def test_many_successful_sign_ins_from_one_address_are_never_limited(app, db, make_user):
    colleagues = [make_user("SH", roles=("officer",)) for _ in range(4)]
    db.session.commit()
    client = app.test_client()
    statuses = []
    for _round in range(4):  # 16 sign-ins in well under a minute, more than any per-IP limit
        for user in colleagues:
            statuses.append(_post_login(client, user.username, TEST_PASSWORD).status_code)
            client.post("/logout", environ_base={"REMOTE_ADDR": OFFICE})
    assert statuses == [302] * 16


def test_failures_on_one_account_lock_it_even_for_the_right_password(app, client, db, make_user):
    user = make_user("SH", roles=("officer",))
    limit = app.config["LOGIN_FAILURES_PER_ACCOUNT"]
    statuses = [_post_login(client, user.username, "wrong-guess").status_code for _ in range(limit)]
    assert statuses == [200] * (limit - 1) + [429]
    # The right password, from another address too: refused until the lockout ends.
    for address in (OFFICE, "203.0.113.200"):
        response = _post_login(client, user.username, TEST_PASSWORD, address=address)
        assert response.status_code == 429
        assert int(response.headers["Retry-After"]) <= app.config["LOGIN_LOCKOUT_SECONDS"] + 1
        assert "登录失败次数过多" in text(response)
    assert client.get("/").status_code == 302, "still signed out"
    locked = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "auth.login_locked")
    ).all()
    assert [e.details["key"] for e in locked] == [account_key(user.username)]
    assert locked[0].agency_id == user.agency_id


def test_the_lockout_message_is_in_english_too(app, client, make_user):
    user = make_user("SH", roles=("officer",))
    client.post("/language/en", data={"next": "/login"})
    for _ in range(app.config["LOGIN_FAILURES_PER_ACCOUNT"]):
        response = _post_login(client, user.username, "wrong-guess")
    assert response.status_code == 429
    assert "Too many failed sign-ins. Try again after" in text(response)
    assert "(China Standard Time)" in text(response)


def test_each_lockout_in_a_row_lasts_twice_as_long(app, client, db, make_user):
    user = make_user("SH", roles=("officer",))
    limit, base = app.config["LOGIN_FAILURES_PER_ACCOUNT"], app.config["LOGIN_LOCKOUT_SECONDS"]
    key = account_key(user.username)
    lengths = []
    for _lockout in range(3):
        for _ in range(limit):
            _post_login(client, user.username, "wrong-guess")
        row = _row(db, key)
        until = row.locked_until.replace(tzinfo=dt.UTC)
        lengths.append(round((until - dt.datetime.now(dt.UTC)).total_seconds() / base))
        row.locked_until = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)  # it has ended
        db.session.commit()
    assert lengths == [1, 2, 4]
    assert _post_login(client, user.username, TEST_PASSWORD).status_code == 302
    assert _row(db, key) is None, "a completed sign-in forgets the account's failures"


def test_failures_spread_over_accounts_lock_the_address(app, client, db, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_FAILURES_PER_ADDRESS", 8)
    user = make_user("SH", roles=("officer",))
    statuses = [_post_login(client, f"guess-{n}", "wrong-guess").status_code for n in range(8)]
    assert statuses == [200] * 7 + [429]
    assert _post_login(client, user.username, TEST_PASSWORD).status_code == 429
    elsewhere = _post_login(client, user.username, TEST_PASSWORD, address="203.0.113.201")
    assert elsewhere.status_code == 302, "the account itself is not locked"
    row = _row(db, address_key(OFFICE))
    assert row.locked_until is not None and row.lockouts == 1


def test_a_sign_in_does_not_wipe_the_failures_of_its_address(app, client, db, make_user):
    user = make_user("SH", roles=("officer",))
    for n in range(3):
        _post_login(client, f"guess-{n}", "wrong-guess")
    _post_login(client, user.username, TEST_PASSWORD)
    assert _row(db, address_key(OFFICE)).failures == 3


def test_failures_long_apart_start_counting_again(app, client, db, make_user):
    user = make_user("SH", roles=("officer",))
    limit = app.config["LOGIN_FAILURES_PER_ACCOUNT"]
    for _ in range(limit - 1):
        _post_login(client, user.username, "wrong-guess")
    row = _row(db, account_key(user.username))
    window = app.config["LOGIN_FAILURE_WINDOW"]
    row.last_failure_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=window + 1)
    db.session.commit()
    assert _post_login(client, user.username, "wrong-guess").status_code == 200
    assert _row(db, account_key(user.username)).failures == 1


def test_unknown_usernames_are_counted_like_known_ones(app, client):
    for _ in range(app.config["LOGIN_FAILURES_PER_ACCOUNT"]):
        response = _post_login(client, "no-such-person", "wrong-guess")
    assert response.status_code == 429


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("192.0.2.7", "address:192.0.2.7"),
        ("2001:db8:1:2:aaaa::1", "address:2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::9", "address:2001:db8:1:2::/64"),
        ("::ffff:192.0.2.7", "address:192.0.2.7"),
        (None, "address:unknown"),
    ],
)
def test_an_ipv6_client_is_counted_by_its_64_bit_prefix(address, key):
    assert address_key(address) == key


def test_behind_a_trusted_proxy_the_forwarded_address_is_counted(app, tmp_root, db, make_user):
    config = base_config(tmp_root, app.config["SQLALCHEMY_DATABASE_URI"])
    proxied = create_app(config | {"TRUSTED_PROXIES": 1, "LOGIN_FAILURES_PER_ADDRESS": 3})
    client = proxied.test_client()
    forwarded = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.66"}
    for n in range(3):
        client.post(
            "/login", data={"username": f"guess-{n}", "password": "x"}, environ_base=forwarded
        )
    assert _row(db, address_key("203.0.113.66")).locked_until is not None
    assert _row(db, address_key("10.0.0.2")) is None, "not the proxy's own address"
    user = make_user("SH", roles=("officer",))
    db.session.commit()
    neighbour = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.67"}
    response = client.post(
        "/login",
        data={"username": user.username, "password": TEST_PASSWORD},
        environ_base=neighbour,
    )
    assert response.status_code == 302, "another client behind the same proxy signs in"


def test_wrong_current_passwords_on_the_account_page_count_like_failed_sign_ins(
    app, client, db, make_user
):
    """A borrowed session cannot guess the password on the account page faster than at
    sign-in: wrong current passwords count against the account, and once it is locked
    even the right one is refused there and at sign-in, and nothing is changed."""
    from tests.ui_helpers import sign_in

    user = make_user("SH", roles=("officer",), locale="en")
    old_hash = user.password_hash
    sign_in(client, user)
    limit = app.config["LOGIN_FAILURES_PER_ACCOUNT"]
    new = "a-much-longer-new-passphrase-73"

    def change(current):
        return client.post(
            "/account/password", data={"current": current, "new": new, "confirm": new}
        )

    guesses = [change(f"guess-{n}") for n in range(limit)]
    assert [r.status_code for r in guesses] == [422] * limit
    assert "The current password is wrong." in text(guesses[0])
    assert _row(db, account_key(user.username)).locked_until is not None

    right = change(TEST_PASSWORD)
    assert right.status_code == 429
    assert "Too many wrong passwords." in text(right)
    db.session.expire_all()
    assert db.session.get(type(user), user.id).password_hash == old_hash
    actions = list(db.session.scalars(select(AuditEntry.action)))
    assert actions.count("auth.password_check_failed") == limit
    assert "auth.login_locked" in actions and "user.change_password" not in actions

    client.post("/logout")
    assert _post_login(client, user.username, TEST_PASSWORD).status_code == 429
