"""In-app notifications (deadline reminders and the like) and the page that lists them."""

from flask import Blueprint, Flask

from app.notifications import models  # noqa: F401  (tables for migrations)

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from app.notifications import labels as notifications_labels

    notifications_labels.register()
    from app.core.extension_points import register_nav, register_nav_badge
    from app.notifications import views
    from app.notifications.services import unread_badge

    app.register_blueprint(bp)
    register_nav(80, "notifications.index", _l("Notifications"), lambda user: True)
    register_nav_badge("notifications.index", unread_badge, _l("unread notifications"))
    app.jinja_env.globals["notification_email_form"] = views.email_form
    if app.config.get("DEMO") and not app.config.get("REDIS_URL") and not app.testing:
        app.after_request(_demo_mail_to_log)


def _demo_mail_to_log(response):
    """`make run` has no worker and no cron: after a step is posted, the hand-offs it made
    are "mailed" to the log at once, so the demo shows what a mail would say."""
    from flask import current_app, request

    from app.extensions import db
    from app.notifications.tasks import send_immediate_mails

    session = db.session
    clean = not (session.new or session.dirty or session.deleted)
    if request.method == "POST" and response.status_code < 400 and clean:
        try:
            send_immediate_mails()
        except Exception:  # the demo's log is no reason to fail the user's request
            current_app.logger.exception("demo mail to the log failed")
            db.session.rollback()
    return response
