"""One password policy wherever a password is set (an administrator creating a user or
resetting a password, the user changing their own, the console): a minimum length, a
strength estimate with a bundled list of common passwords (zxcvbn), and never the username
or the display name; the reasons in the user's language."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.auth import passwords
from app.auth.models import User
from app.auth.passwords import check_password, one_time_password, password_problem
from app.auth.services import change_own_password, validate_password
from app.core.errors import InvalidInput
from tests.conftest import TEST_PASSWORD
from tests.ui_helpers import sign_in, text

WEAK = ["aaaaaaaaaa", "1234567890", "password12", "qwertyuiop", "abcdefghij", "iloveyou2026"]
STRONG = "amber-kettle-river-41"


@pytest.mark.parametrize("password", WEAK)
def test_weak_passwords_are_refused(app, password):
    with (
        app.test_request_context(),
        force_locale("en"),
        pytest.raises(InvalidInput, match="too weak"),
    ):
        validate_password(password)


def test_the_test_suites_password_and_a_passphrase_pass(app):
    with app.test_request_context(), force_locale("en"):
        validate_password(TEST_PASSWORD, username="sh-officer-1", display_name="测试用户1")
        validate_password(STRONG, username="sh-officer-1", display_name="测试用户1")


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("aaaaaaaaaa", "repeated characters"),
        ("1234567890", "most common passwords"),
        ("password12", "most common passwords"),
        ("asdfghjkl;", "keyboard patterns"),
        ("poiuytrewq", "close to a common password"),
    ],
)
def test_the_reason_is_ours_not_zxcvbns(app, password, reason):
    with app.test_request_context(), force_locale("en"):
        assert reason in str(password_problem(password))


def test_the_username_or_display_name_is_refused_inside_a_password(app):
    with app.test_request_context(), force_locale("en"):
        for password in ("zhangwei-ox-river-77", "XX-ZHANGWEI-ox-river", "wang fang kettle 9"):
            why = password_problem(password, personal=("zhangwei", "Wang Fang"))
            assert "must not contain the username or the display name" in str(why), password


def test_a_one_time_password_that_contains_a_part_of_the_name_is_drawn_again(app, monkeypatch):
    """A random draw once contained "eth" of "zj-eth-applicant" ("…zif17zeThT5Tg"), and the
    account was refused; such a draw is replaced by the next one."""
    draws = iter(["XPAK5EQ31zif17zeThT5Tg", "wang-Xq9vT2kLm8", "Qm7vT2kLx9Rp4sZ"])
    asked = []

    def draw(n):
        asked.append(n)
        return next(draws)

    monkeypatch.setattr(passwords.secrets, "token_urlsafe", draw)
    with app.test_request_context(), force_locale("en"):
        password = one_time_password(username="zj-eth-applicant", display_name="Wang Fang")
        assert password == "Qm7vT2kLx9Rp4sZ"
        assert len(asked) == 3
        assert password_problem(password, personal=("zj-eth-applicant", "Wang Fang")) is None


def test_length_limits(app):
    with app.test_request_context(), force_locale("en"):
        assert "at least 10 characters" in str(password_problem("Xq9!vT2#"))
        assert "at most 200 characters" in str(password_problem("kettle-" * 40))
        assert password_problem("amber kettle river lantern harbour " * 5) is None


def test_the_demo_password_only_in_demo_mode(app):
    with app.test_request_context(), force_locale("en"):
        assert "only in demo mode" in str(password_problem("demo-password"))
        assert password_problem("demo-password", demo=True) is None


@pytest.fixture
def admin(make_user):
    return make_user("SH", roles=("agency_admin",), locale="en")


def _count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(User))


@pytest.mark.parametrize("password", ["aaaaaaaaaa", "1234567890", "password12"])
def test_admin_create_refuses_a_weak_password(client, db, admin, password):
    sign_in(client, admin)
    before = _count(db)
    response = client.post(
        "/admin/users/new",
        data={
            "username": "sh-weak",
            "display_name": "弱",
            "roles": ["officer"],
            "password": password,
        },
    )
    assert response.status_code == 422 and "This password is too weak" in text(response)
    assert _count(db) == before


def test_admin_create_refuses_the_username_in_the_password(client, db, admin):
    sign_in(client, admin)
    response = client.post(
        "/admin/users/new",
        data={
            "username": "sh-lihua",
            "display_name": "李华",
            "roles": ["officer"],
            "password": "sh-lihua-kettle-77",
        },
    )
    assert "must not contain the username" in text(response)
    assert db.session.scalar(select(User).where(User.username == "sh-lihua")) is None


def test_admin_reset_refuses_a_weak_password_and_keeps_the_old_one(client, db, admin, make_user):
    user = make_user("SH", roles=("officer",))
    sign_in(client, admin)
    response = client.post(
        f"/admin/users/{user.id}/password", data={"password": "password12"}, follow_redirects=True
    )
    assert "This password is too weak" in text(response)
    db.session.expire_all()
    assert check_password(db.session.get(User, user.id).password_hash, TEST_PASSWORD)


def test_own_change_refuses_a_weak_password(client, db, make_user):
    user = make_user("SH", roles=("officer",), locale="en")
    with pytest.raises(InvalidInput) as refused:
        change_own_password(user, TEST_PASSWORD, "1234567890")
    assert refused.value.field == "new"
    sign_in(client, user)
    response = client.post(
        "/account/password",
        data={"current": TEST_PASSWORD, "new": "aaaaaaaaaa", "confirm": "aaaaaaaaaa"},
    )
    assert response.status_code == 422 and "This password is too weak" in text(response)
    db.session.expire_all()
    assert check_password(db.session.get(User, user.id).password_hash, TEST_PASSWORD)


def test_the_reasons_are_in_chinese_by_default(client, db, make_user):
    sign_in(client, make_user("SH", roles=("agency_admin",)))
    response = client.post(
        "/admin/users/new",
        data={
            "username": "sh-weak",
            "display_name": "弱",
            "roles": ["officer"],
            "password": "password12",
        },
    )
    page = text(response)
    assert "密码太弱" in page and "最常见的密码" in page
    assert "too weak" not in page and "common password" not in page
