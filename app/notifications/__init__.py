"""In-app notifications (deadline reminders and the like) and the page that lists them."""

from flask import Blueprint, Flask

from app.notifications import models  # noqa: F401  (tables for migrations)

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from app.core import register_nav
    from app.notifications import views

    app.register_blueprint(bp)
    register_nav(80, "notifications.index", _l("Notifications"), lambda user: True)
    app.jinja_env.globals["notification_email_form"] = views.email_form
