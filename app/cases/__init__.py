"""Cases: registration, the statutory workflow, team and deadlines."""

from flask import Blueprint, Flask

bp = Blueprint("cases", __name__)


def init_app(app: Flask) -> None:
    from app.cases import labels as cases_labels

    cases_labels.register()
    # Transfers are reached from the dashboard, not the navigation bar, which has room
    # for one line of entries (tests/platform/test_nav_browser.py).
    from app.cases import transfer_views, views  # noqa: F401  (routes register on import)
    from app.cases.hints import routing_hints
    from app.cases.permissions import reads_shared_level
    from app.cases.preliminary import preliminary_section
    from app.cases.queries import queue_badge
    from app.core.extension_points import register_case_section, register_nav_badge

    app.register_blueprint(bp)
    register_nav_badge("cases.dashboard", queue_badge)
    register_case_section(
        3,
        "cases/_preliminary.html",
        lambda user, case: not reads_shared_level(user, case),
        load=preliminary_section,
        name="preliminary",
    )
    register_case_section(
        5,
        "cases/_hint.html",
        lambda user, case: not reads_shared_level(user, case),
        load=lambda case, user: routing_hints(case),
        name="routing_hints",
    )
