"""Sign-in, sign-out, language choice and the user's own password."""

from flask import Blueprint, Flask

bp = Blueprint("auth", __name__)


def init_app(app: Flask) -> None:
    from app.auth import cli, totp_views, views  # noqa: F401  (routes register on import)
    from app.auth import labels as auth_labels
    from app.auth.passwords import check_cost
    from app.auth.platform import accounts_overview
    from app.core.extension_points import register_dashboard_panel

    check_cost(app.config)
    auth_labels.register()
    app.register_blueprint(bp)
    register_dashboard_panel(5, "auth/_platform_dashboard.html", accounts_overview)
    cli.init_app(app)
