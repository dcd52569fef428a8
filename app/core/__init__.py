"""Shared pieces: database set-up, error pages, template helpers, platform commands."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, has_request_context, render_template, request
from flask_babel import get_locale
from flask_wtf.csrf import CSRFError
from sqlalchemy import event

from app.extensions import db

# Features add navigation entries and case-page sections here instead of editing templates:
# (order, endpoint, label, visible(user)) and (order, template, visible(user, case)).
NAV_ITEMS: list[tuple] = []
CASE_SECTIONS: list = []  # of CaseSection
DASHBOARD_PANELS: list = []  # of DashboardPanel
# A count shown beside a navigation entry (work waiting for the user): endpoint -> count(user).
NAV_BADGES: dict[str, object] = {}


# Entries from this order on go into the navigation's "More" menu, so the bar stays one
# line at 1280 px in either language whatever roles a user holds.
NAV_MORE_FROM = 80


def register_nav(order: int, endpoint: str, label, visible) -> None:
    NAV_ITEMS.append((order, endpoint, label, visible))
    NAV_ITEMS.sort(key=lambda item: item[0])


@dataclass(frozen=True)
class CaseSection:
    """A feature's part of the case page. `load(case, user)` returns what its template
    shows (as `section.data`); the case view calls it, so every query of the case page is
    made in the view, never from a template. Which sections a participating agency's page
    shows is the cases feature's definition of the shared level, asked by `name`."""

    order: int
    template: str
    visible: Callable = field(default=lambda user, case: True)
    load: Callable | None = None
    name: str = ""


@dataclass(frozen=True)
class LoadedSection:
    name: str
    template: str
    data: Any


def register_case_section(
    order: int,
    template: str,
    visible=lambda user, case: True,
    *,
    load: Callable | None = None,
    name: str = "",
) -> None:
    section = CaseSection(order, template, visible, load, name or template)
    CASE_SECTIONS[:] = [s for s in CASE_SECTIONS if s.template != template]
    CASE_SECTIONS.append(section)
    CASE_SECTIONS.sort(key=lambda item: item.order)


def load_case_sections(case, user, *, only: Callable | None = None) -> list[LoadedSection]:
    """The sections of a case page this user sees, each with its data loaded: the full page,
    or those whose name `only(name)` admits (the page of a participating agency)."""
    return [
        LoadedSection(s.name, s.template, s.load(case, user) if s.load else None)
        for s in CASE_SECTIONS
        if (only is None or only(s.name)) and s.visible(user, case)
    ]


def count_badge(count: int) -> str:
    """A badge's figure: counts that stop at 100 (queues a peer may fill) show as 99+."""
    return "99+" if count > 99 else str(count)


def register_nav_badge(endpoint: str, count) -> None:
    NAV_BADGES[endpoint] = count


def badge_count(endpoint: str, user) -> int:
    """The count beside a navigation entry, computed once per request: the dashboard shows
    its queue's total and the navigation bar the same figure as a badge, and each is a
    query over the agency's cases."""
    count = NAV_BADGES.get(endpoint)
    if count is None or user is None or not user.is_authenticated:
        return 0
    if not has_request_context():
        return count(user)
    cache = request.environ.setdefault("yrd.nav_badges", {})
    key = (endpoint, user.get_id())
    if key not in cache:
        cache[key] = count(user)
    return cache[key]


@dataclass(frozen=True)
class DashboardPanel:
    """A feature's part of the dashboard. `load(user)` returns what its template shows (as
    `panel.data`); the dashboard view calls it, so the page's queries are made in the view,
    never from a template."""

    order: int
    template: str
    load: Callable | None = None


def register_dashboard_panel(order: int, template: str, load: Callable | None = None) -> None:
    DASHBOARD_PANELS[:] = [p for p in DASHBOARD_PANELS if p.template != template]
    DASHBOARD_PANELS.append(DashboardPanel(order, template, load))
    DASHBOARD_PANELS.sort(key=lambda item: item.order)


def load_dashboard_panels(user) -> list[LoadedSection]:
    """The dashboard's panels with their data loaded for this user."""
    return [
        LoadedSection(p.template, p.template, p.load(user) if p.load else None)
        for p in DASHBOARD_PANELS
    ]


def init_app(app: Flask) -> None:
    from app.core import headers
    from app.core.ids import register_converters

    register_converters(app)  # core is set up first: the routes of every feature use them
    with app.app_context():
        _configure_sqlite(db.engine)
    _register_error_pages(app)
    _register_template_helpers(app)
    headers.init_app(app)
    from app.core import cli

    cli.init_app(app)


def _configure_sqlite(engine) -> None:
    """WAL, foreign keys, and transactions that take the write lock up front, so two writers
    queue instead of failing half-way (reference numbers, the audit chain)."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def wants_json() -> bool:
    return request.path.startswith("/api/")


def _register_error_pages(app: Flask) -> None:
    from app.core.errors import problem

    def handler(status: int, code: str, title: str):
        def handle(error):
            allow = getattr(error, "valid_methods", None)  # RFC 9110: a 405 names them
            headers = {"Allow": ", ".join(allow)} if allow else {}
            if wants_json():
                response = problem(status, code, title, getattr(error, "description", None))
                response.headers.update(headers)
                return response
            return render_template("errors/error.html", status=status), status, headers

        return handle

    for status, code, title in (
        (400, "bad_request", "Bad request"),
        (401, "unauthorized", "Authentication required"),
        (403, "forbidden", "Forbidden"),
        (404, "not_found", "Not found"),
        (405, "method_not_allowed", "Method not allowed"),
        (409, "conflict", "Conflict"),
        (413, "payload_too_large", "Payload too large"),
        (429, "too_many_requests", "Too many requests"),
        (500, "internal_error", "Internal server error"),
    ):
        app.register_error_handler(status, handler(status, code, title))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        if wants_json():
            return problem(400, "csrf_failed", "CSRF token missing or invalid")
        return render_template("errors/error.html", status=400, csrf=True), 400


def _register_template_helpers(app: Flask) -> None:
    from app.core.calendar import today
    from app.core.labels import (
        action_label,
        audit_action_label,
        file_type_label,
        id_type_label,
        label,
    )
    from app.core.times import local_time

    app.jinja_env.filters["label"] = label
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["id_type_label"] = id_type_label
    app.jinja_env.filters["file_type"] = file_type_label
    app.jinja_env.filters["count_badge"] = count_badge
    app.jinja_env.globals["action_label"] = action_label
    app.jinja_env.globals["audit_action_label"] = audit_action_label
    app.jinja_env.globals["today"] = today

    @app.context_processor
    def inject_globals():
        from flask import url_for
        from flask_login import current_user

        def nav_items():
            if not current_user.is_authenticated:
                return []
            section = (request.endpoint or "").split(".")[0]
            return [
                {
                    "url": url_for(endpoint),
                    "label": label,
                    "endpoint": endpoint,
                    "more": order >= NAV_MORE_FROM,
                    "active": bool(section) and section == endpoint.split(".")[0],
                    "badge": nav_badge(endpoint),
                }
                for order, endpoint, label, visible in NAV_ITEMS
                if visible(current_user)
            ]

        def nav_badge(endpoint):
            return badge_count(endpoint, current_user)

        return {
            "current_locale": str(get_locale() or "zh"),
            "nav_items": nav_items,
            "nav_badge": nav_badge,
        }
