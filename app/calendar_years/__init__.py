"""Calendar years: the public holidays and make-up working days of the years the bundled
holiday data does not know, entered by a system administrator from the State Council's
notice (a form or `flask calendar import`), previewed and confirmed; administrators are
warned from 1 November until the next year is confirmed. The working-day computation and
the "unconfirmed calendar" mark are core's (app/core/calendar.py); this feature changes
the data."""

from flask import Blueprint, Flask

bp = Blueprint("calendar_years", __name__, url_prefix="/calendar")


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from app.calendar_years import cli, labels, views
    from app.calendar_years.services import can_view
    from app.core.extension_points import register_dashboard_panel, register_nav
    from app.notifications.handoffs import register_handoff

    labels.register()
    app.register_blueprint(bp)
    cli.init_app(app)
    register_nav(85, "calendar_years.index", _l("Calendar years"), can_view)
    register_dashboard_panel(5, "calendar_years/_banner.html", views.banner)
    register_handoff(
        "calendar.year_unconfirmed",
        text=_l(
            "The working-day calendar of %(year)s is not confirmed: enter the State "
            "Council's notice for it, or ask a system administrator to."
        ),
        link=lambda year: {
            "endpoint": "calendar_years.year",
            "values": {"year": year},
            "anchor": None,
        },
        params=lambda year: {"year": year},
        todo=lambda year: f"calendar:{year}",
    )
