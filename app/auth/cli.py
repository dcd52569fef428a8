"""Account commands for the operator at the console, who manages the system administrators
(no agency administrator may): `flask create-user`, `flask users ...`, `flask create-token`,
`flask tokens ...`. The console acts as `actor=None` in the services and their audit."""

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from app.auth.agencies import platform_agency
from app.auth.models import Agency, ApiToken, Role, User
from app.auth.services import (
    create_token,
    create_user,
    reset_password,
    revoke_token,
    set_active,
    tokens_of,
)
from app.auth.totp import reset_second_factor
from app.core.errors import ServiceError
from app.extensions import db

users_cli = AppGroup("users", help="Accounts, including the system administrators.")
tokens_cli = AppGroup("tokens", help="API tokens: list and revoke.")


def _user(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise click.ClickException(f"no user {username}")
    return user


def _run(action, *args):
    try:
        result = action(*args)
    except ServiceError as err:
        db.session.rollback()
        raise click.ClickException(str(err.message)) from err
    db.session.commit()
    return result


@click.command("create-user")
@click.argument("username")
@click.option("--agency", "agency_code", help="Agency code, e.g. SH (not for sysadmin)")
@click.option(
    "--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role])
)
@click.option("--name", "display_name", help="Display name (defaults to the username)")
@click.option("--email")
@click.password_option()
def create_user_command(username, agency_code, roles, display_name, email, password):
    """Create a user of an agency with one or more roles; a system administrator belongs to
    the platform, so --agency is left out for --role sysadmin."""
    if Role.sysadmin.value in roles and not agency_code:
        agency = platform_agency()
    elif not agency_code:
        raise click.BadParameter("give the agency code", param_hint="--agency")
    else:
        agency = db.session.scalar(select(Agency).where(Agency.code == agency_code.upper()))
        if agency is None:
            raise click.BadParameter(f"no agency with code {agency_code}", param_hint="--agency")
    user = _run(
        lambda: create_user(
            username, display_name or username, agency, roles, password, email=email
        )
    )
    click.echo(f"created user {user.username} ({agency.code}, {', '.join(sorted(roles))})")


@users_cli.command("list")
@click.option("--agency", "agency_code", help="Only this agency (PLATFORM for the platform)")
def users_list(agency_code):
    """One line per user: username, agency, roles, status."""
    stmt = select(User).join(User.agency).order_by(Agency.code, User.username)
    if agency_code:
        stmt = stmt.where(Agency.code == agency_code.upper())
    for user in db.session.scalars(stmt):
        roles = ",".join(sorted(r.value for r in user.roles))
        status = "active" if user.active else "deactivated"
        click.echo(f"{user.username}\t{user.agency.code}\t{roles}\t{status}")


@users_cli.command("reset-password")
@click.argument("username")
@click.password_option()
def users_reset_password(username, password):
    """Set a new password; the user's sessions and API tokens stop working."""
    user = _user(username)
    _run(reset_password, user, password, None)
    click.echo(f"password of {user.username} reset")


@users_cli.command("deactivate")
@click.argument("username")
def users_deactivate(username):
    user = _user(username)
    _run(set_active, user, False, None)
    click.echo(f"{user.username} deactivated")


@users_cli.command("activate")
@click.argument("username")
def users_activate(username):
    user = _user(username)
    _run(set_active, user, True, None)
    click.echo(f"{user.username} can sign in again")


@click.command("create-token")
@click.argument("username")
@click.option("--name", default="api", help="What the token is for")
@click.option("--days", type=int, help="Lifetime in days (default and maximum: agency policy)")
def create_token_command(username, name, days):
    """Create an API token for USERNAME; it is shown once and stored hashed."""
    user = _user(username)
    if not user.active:
        raise click.ClickException(f"no active user {username}")
    click.echo(_run(create_token, user, name, days))


@tokens_cli.command("list")
@click.option("--user", "username", help="Only this user's tokens")
def tokens_list(username):
    """One line per token: id, user, name, prefix, created, last used, expires, status."""
    if username:
        rows = tokens_of(_user(username))
    else:
        rows = db.session.scalars(select(ApiToken).order_by(ApiToken.id)).all()
    for row in rows:
        used = row.last_used_at.isoformat(timespec="seconds") if row.last_used_at else "-"
        click.echo(
            f"{row.id}\t{row.user.username}\t{row.name}\t{row.prefix}…\t"
            f"{row.created_at.isoformat(timespec='seconds')}\t{used}\t"
            f"{row.expires_at.isoformat(timespec='seconds')}\t{row.status()}"
        )


@tokens_cli.command("revoke")
@click.argument("token_id", type=int)
def tokens_revoke(token_id):
    row = db.session.get(ApiToken, token_id)
    if row is None:
        raise click.ClickException(f"no token {token_id}")
    _run(revoke_token, row, None)
    click.echo(f"token {token_id} ({row.prefix}…) of {row.user.username} revoked")


@click.command("reset-second-factor")
@click.argument("username")
def reset_second_factor_command(username):
    """Clear USERNAME's lost second factor (TOTP); they set it up again at the next sign-in."""
    user = db.session.scalar(select(User).where(User.username == username.lower()))
    if user is None:
        raise click.ClickException(f"no user {username}")
    try:
        reset_second_factor(user, actor=None)
    except ServiceError as err:
        raise click.ClickException(str(err.message)) from err
    db.session.commit()
    click.echo(f"second factor of {user.username} reset; they set it up at the next sign-in")


def init_app(app: Flask) -> None:
    app.cli.add_command(create_user_command)
    app.cli.add_command(create_token_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(tokens_cli)
    app.cli.add_command(reset_second_factor_command)
