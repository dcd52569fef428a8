"""The console's account commands: `flask create-user`, `flask users ...`, `flask tokens ...`.
The services' messages come in the platform's default language, Chinese."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import ApiToken, User
from app.auth.passwords import check_password
from app.auth.services import create_token, user_for_token
from app.core.audit import AuditEntry

PASSWORD = "amber-kettle-river-41"


def run_cli(app, args, input=None):
    """The command runs in its own app context and session, on the test's connection; what
    the test made is committed first, so a command that fails and rolls back keeps it."""
    from app.extensions import db

    db.session.commit()
    return app.test_cli_runner().invoke(args=args, input=input)


def _actions(db) -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action)))


def test_create_user_puts_a_system_administrator_in_the_platform(app, db):
    result = run_cli(
        app, ["create-user", "ops-root", "--role", "sysadmin"], input=f"{PASSWORD}\n" * 2
    )
    assert result.exit_code == 0, result.output
    assert "PLATFORM" in result.output
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.username == "ops-root"))
    assert user.agency.is_platform


def test_create_user_refuses_a_sysadmin_in_an_agency_and_a_weak_password(app, db):
    refused = run_cli(
        app,
        ["create-user", "sh-root", "--agency", "SH", "--role", "sysadmin"],
        input=f"{PASSWORD}\n" * 2,
    )
    assert refused.exit_code != 0 and "系统管理员属于平台" in refused.output
    weak = run_cli(
        app,
        ["create-user", "sh-weak", "--agency", "SH", "--role", "officer"],
        input="password12\n" * 2,
    )
    assert weak.exit_code != 0 and "密码太弱" in weak.output
    db.session.expire_all()
    assert not db.session.scalars(
        select(User).where(User.username.in_(["sh-root", "sh-weak"]))
    ).all()


def test_users_list_reset_deactivate_activate(app, db, make_user):
    user = make_user("SH", roles=("officer",))
    token = create_token(user, "script")
    listing = run_cli(app, ["users", "list", "--agency", "SH"])
    assert user.username in listing.output and "officer" in listing.output
    reset = run_cli(app, ["users", "reset-password", user.username], input=f"{PASSWORD}\n" * 2)
    assert reset.exit_code == 0, reset.output
    db.session.expire_all()
    assert check_password(db.session.get(User, user.id).password_hash, PASSWORD)
    assert user_for_token(token) is None  # a reset revokes the tokens
    weak = run_cli(app, ["users", "reset-password", user.username], input="aaaaaaaaaa\n" * 2)
    assert weak.exit_code != 0 and "密码太弱" in weak.output
    assert run_cli(app, ["users", "deactivate", user.username]).exit_code == 0
    db.session.expire_all()
    assert not db.session.get(User, user.id).active
    assert run_cli(app, ["users", "activate", user.username]).exit_code == 0
    db.session.expire_all()
    assert db.session.get(User, user.id).active
    assert {"user.reset_password", "user.deactivate", "user.activate"} <= set(_actions(db))
    assert run_cli(app, ["users", "deactivate", "nobody-here"]).exit_code != 0


def test_tokens_list_and_revoke(app, db, make_user):
    alice = make_user("SH", roles=("officer",))
    bob = make_user("JS", roles=("officer",))
    alice_token = create_token(alice, "alice-sync")
    create_token(bob, "bob-sync")
    everything = run_cli(app, ["tokens", "list"]).output
    assert "alice-sync" in everything and "bob-sync" in everything
    only_alice = run_cli(app, ["tokens", "list", "--user", alice.username]).output
    assert "alice-sync" in only_alice and "bob-sync" not in only_alice
    assert "\tactive" in only_alice
    row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == alice.id))
    result = run_cli(app, ["tokens", "revoke", str(row.id)])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert user_for_token(alice_token) is None
    assert "\trevoked" in run_cli(app, ["tokens", "list", "--user", alice.username]).output
    again = run_cli(app, ["tokens", "revoke", str(row.id)])
    assert again.exit_code != 0 and "已被撤销" in again.output
    assert run_cli(app, ["tokens", "revoke", "999999"]).exit_code != 0
    assert "token.revoke" in _actions(db)


def test_create_token_honours_the_policy_maximum(app, db, make_user):
    user = make_user("SH", roles=("officer",))
    too_long = run_cli(app, ["create-token", user.username, "--days", "400"])
    assert too_long.exit_code != 0 and "1 至 90 天" in too_long.output
    ok = run_cli(app, ["create-token", user.username, "--days", "7"])
    assert ok.exit_code == 0 and ok.output.startswith("yrd_")
