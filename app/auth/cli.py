"""Account commands: `flask create-user`, `flask create-token`, `flask reset-second-factor`."""

import click
from flask import Flask
from sqlalchemy import select

from app.auth.models import Agency, Role, User
from app.auth.services import create_token, create_user
from app.auth.totp import reset_second_factor
from app.core.errors import ServiceError
from app.extensions import db


@click.command("create-user")
@click.argument("username")
@click.option("--agency", "agency_code", required=True, help="Agency code, e.g. SH")
@click.option(
    "--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role])
)
@click.option("--name", "display_name", help="Display name (defaults to the username)")
@click.option("--email")
@click.password_option()
def create_user_command(username, agency_code, roles, display_name, email, password):
    """Create a user of an agency with one or more roles."""
    agency = db.session.scalar(select(Agency).where(Agency.code == agency_code.upper()))
    if agency is None:
        raise click.BadParameter(f"no agency with code {agency_code}", param_hint="--agency")
    try:
        user = create_user(username, display_name or username, agency, roles, password, email=email)
    except ServiceError as err:
        raise click.ClickException(str(err.message)) from err
    db.session.commit()
    click.echo(f"created user {user.username} ({agency.code}, {', '.join(sorted(roles))})")


@click.command("create-token")
@click.argument("username")
@click.option("--name", default="api", help="What the token is for")
def create_token_command(username, name):
    """Create an API token for USERNAME; it is shown once and stored hashed."""
    user = db.session.scalar(select(User).where(User.username == username.lower()))
    if user is None or not user.active:
        raise click.ClickException(f"no active user {username}")
    token = create_token(user, name)
    db.session.commit()
    click.echo(token)


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
    app.cli.add_command(reset_second_factor_command)
