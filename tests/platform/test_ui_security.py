"""CSRF, the failed sign-in limit and the demo password, with the protections switched on."""

from __future__ import annotations

import re

import pytest

from app import create_app
from tests.conftest import TEST_PASSWORD, base_config
from tests.ui_helpers import text


@pytest.fixture
def strict_app(app, tmp_root):
    """A second app on the same database with CSRF on and a low failure limit."""
    config = base_config(tmp_root, app.config["SQLALCHEMY_DATABASE_URI"])
    config |= {
        "WTF_CSRF_ENABLED": True,
        "LOGIN_FAILURES_PER_ACCOUNT": 4,
    }
    yield create_app(config)


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


def test_a_post_without_csrf_token_is_refused(strict_app, make_user, db):
    user = make_user("SH", roles=("officer",))
    db.session.commit()
    client = strict_app.test_client()
    response = client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "表单已过期" in text(response) or "expired" in text(response)
    token = _token(text(client.get("/login")))
    response = client.post(
        "/login", data={"username": user.username, "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_failed_login_attempts_are_limited(strict_app):
    client = strict_app.test_client()
    statuses = []
    for _ in range(5):
        token = _token(text(client.get("/login")))
        response = client.post(
            "/login", data={"username": "nobody", "password": "wrong-pass", "csrf_token": token}
        )
        statuses.append(response.status_code)
    assert statuses[:3] == [200, 200, 200]
    assert statuses[-1] == 429


def test_the_demo_password_is_refused_outside_demo_mode(app, client, make_user, db):
    from app.auth.passwords import hash_password

    user = make_user("SH", roles=("officer",))
    user.password_hash = hash_password("demo-password")
    db.session.flush()
    assert not app.config.get("DEMO")
    response = client.post("/login", data={"username": user.username, "password": "demo-password"})
    assert response.status_code == 200
    assert "/login" in response.request.path
    assert client.get("/").status_code == 302  # still signed out
