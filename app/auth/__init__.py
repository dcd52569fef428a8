"""Sign-in, sign-out, language choice and the user's own password."""

from flask import Blueprint, Flask

bp = Blueprint("auth", __name__)


def init_app(app: Flask) -> None:
    from app.auth import cli, totp_views, views  # noqa: F401  (routes register on import)
    from app.auth import labels as auth_labels

    auth_labels.register()
    app.register_blueprint(bp)
    cli.init_app(app)
