"""API tokens expire, record their last use and can be revoked: by their owner on the
account page, at the console, and on their own when an administrator resets the password
or changes the roles. An expired or revoked token gets the API's 401 problem."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.auth.models import ApiToken
from app.auth.services import (
    create_token,
    reset_password,
    revoke_token,
    tokens_of,
    update_user,
    user_for_token,
)
from app.core.audit import AuditEntry
from app.core.errors import InvalidInput, NotAllowed
from tests.ui_helpers import sign_in, text

BASE = "/api/v1/cases"


def _actions(db) -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action)))


def _bearer(client, db, token: str):
    db.session.commit()
    return client.get(BASE, headers={"Authorization": f"Bearer {token}"})


def _is_unauthorized(response) -> bool:
    return (
        response.status_code == 401
        and response.mimetype == "application/problem+json"
        and response.get_json()["code"] == "unauthorized"
    )


def test_a_token_expires_after_its_lifetime_and_the_api_answers_401(client, db, make_user):
    officer = make_user("SH")
    token = create_token(officer, "sync", days=3)
    row = tokens_of(officer)[0]
    created = row.created_at
    assert row.expires_at - created == dt.timedelta(days=3)
    assert _bearer(client, db, token).status_code == 200
    db.session.refresh(row)
    assert row.last_used_at is not None
    row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    assert _is_unauthorized(_bearer(client, db, token))
    db.session.refresh(row)
    assert row.status() == "expired"


def test_the_lifetime_defaults_to_the_agency_policy_and_never_exceeds_it(db, make_user):
    officer = make_user("SH")
    officer.agency.policy.token_max_days = 30
    create_token(officer, "default")
    row = tokens_of(officer)[0]
    assert row.expires_at - row.created_at == dt.timedelta(days=30)
    for days in (0, 31, -5):
        with force_locale("en"), pytest.raises(InvalidInput, match="1 to 30 days"):
            create_token(officer, "too long", days=days)
    with force_locale("en"), pytest.raises(InvalidInput, match="name"):
        create_token(officer, "   ")
    assert len(tokens_of(officer)) == 1


def test_an_admin_password_reset_revokes_the_users_tokens(client, db, make_user):
    officer = make_user("SH")
    admin = make_user("SH", roles=("agency_admin",))
    token = create_token(officer, "sync")
    reset_password(officer, "amber-kettle-river-41", admin)
    assert _is_unauthorized(_bearer(client, db, token))
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "token.revoke_all")
    ).one()
    assert entry.details["reason"] == "password_reset" and entry.details["count"] == 1


def test_a_role_change_revokes_the_tokens_and_a_name_change_does_not(client, db, make_user):
    officer = make_user("SH")
    admin = make_user("SH", roles=("agency_admin",))
    token = create_token(officer, "sync")
    update_user(officer, admin, "新名字", None, ["officer"])
    assert user_for_token(token) is not None
    update_user(officer, admin, "新名字", None, ["officer", "supervisor"])
    assert _is_unauthorized(_bearer(client, db, token))
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "token.revoke_all")
    ).one()
    assert entry.details["reason"] == "role_change"


def test_only_the_owner_revokes_a_token(db, make_user):
    owner = make_user("SH")
    other = make_user("SH", roles=("agency_admin",))
    create_token(owner, "sync")
    row = tokens_of(owner)[0]
    with pytest.raises(NotAllowed):
        revoke_token(row, other)
    assert row.status() == "active"
    revoke_token(row, owner)
    assert row.status() == "revoked"
    with force_locale("en"), pytest.raises(InvalidInput, match="already revoked"):
        revoke_token(row, owner)


def test_the_account_page_creates_lists_and_revokes_tokens(client, db, make_user):
    user = make_user("SH", roles=("officer",), locale="en")
    sign_in(client, user)
    page = text(client.get("/account"))
    assert "You have no API tokens." in page and 'name="days"' in page and 'value="90"' in page
    created = client.post("/account/tokens", data={"name": "nightly sync", "days": 30})
    assert created.status_code == 200
    shown = re.search(
        r'data-testid="new-token">.*?<code[^>]*>(yrd_[\w-]+)</code>', text(created), re.S
    )
    assert shown, "the new token is shown once"
    token = shown.group(1)
    assert 'action="/account"' in text(created)  # the language form still posts to its route
    assert _bearer(client, db, token).status_code == 200
    listing = text(client.get("/account"))
    assert token not in listing  # shown only on the response that created it
    assert "nightly sync" in listing and token[:12] in listing and "Active" in listing
    row = tokens_of(user)[0]
    assert row.last_used_at is not None
    revoked = client.post(f"/account/tokens/{row.id}/revoke", follow_redirects=True)
    assert "Token nightly sync revoked" in text(revoked)
    assert "Revoked" in text(revoked)
    assert f"/account/tokens/{row.id}/revoke" not in text(revoked)
    assert _is_unauthorized(_bearer(client, db, token))
    assert {"token.create", "token.revoke"} <= set(_actions(db))


def test_the_account_page_refuses_a_bad_lifetime_or_name_and_creates_nothing(client, db, make_user):
    user = make_user("SH", roles=("officer",), locale="en")
    sign_in(client, user)
    too_long = client.post("/account/tokens", data={"name": "x", "days": 365})
    assert too_long.status_code == 422 and "A token lasts from 1 to 90 days." in text(too_long)
    no_name = client.post("/account/tokens", data={"name": "", "days": 10})
    assert no_name.status_code == 422 and 'data-testid="new-token"' not in text(no_name)
    not_a_number = client.post("/account/tokens", data={"name": "x", "days": "soon"})
    assert not_a_number.status_code == 422
    zero = client.post("/account/tokens", data={"name": "x", "days": 0})
    assert zero.status_code == 422 and "A token lasts from 1 to 90 days." in text(zero)
    assert tokens_of(user) == []


def test_another_users_token_cannot_be_seen_or_revoked(client, db, make_user):
    owner = make_user("SH", roles=("officer",))
    create_token(owner, "owner-secret-sync")
    row = tokens_of(owner)[0]
    colleague = make_user("SH", roles=("agency_admin",))
    sign_in(client, colleague)
    assert "owner-secret-sync" not in text(client.get("/account"))
    assert client.post(f"/account/tokens/{row.id}/revoke").status_code == 404
    db.session.refresh(row)
    assert row.status() == "active"
    assert db.session.get(ApiToken, row.id).revoked_at is None
