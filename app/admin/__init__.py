"""Agency administration: users, roles, deadline policy, calendar overrides."""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("admin", __name__, url_prefix="/admin")


def is_admin(user) -> bool:
    from app.auth.permissions import can_administer

    return can_administer(user)


def init_app(app: Flask) -> None:
    from app.admin import views  # noqa: F401  (routes register on import)
    from app.core.extension_points import register_nav

    app.register_blueprint(bp)
    register_nav(80, "admin.users", _l("Administration"), is_admin)
