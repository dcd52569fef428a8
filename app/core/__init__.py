"""Shared pieces: database set-up, error pages, template helpers, platform commands."""

from flask import Flask, render_template, request
from flask_babel import get_locale
from flask_wtf.csrf import CSRFError
from sqlalchemy import event

from app.core.extension_points import (
    NAV_MORE_FROM,
    badge_count,
    badge_label,
    count_badge,
    nav_badges,
    nav_entries,
)
from app.extensions import db


def init_app(app: Flask) -> None:
    from app.core import headers
    from app.core.ids import register_converters

    register_converters(app)  # core is set up first: the routes of every feature use them
    with app.app_context():
        _configure_sqlite(db.engine)
        _ping_idle_connections(db.engine, app.config.get("POOL_PING_IDLE_SECONDS"))
    _register_error_pages(app)
    _register_template_helpers(app)
    _cache_compiled_templates(app)
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


_USED_AT = "yrd.used_at"


def _ping_idle_connections(engine, idle_seconds: float | None) -> None:
    """SQLAlchemy's `pool_pre_ping` pings the database at every checkout: a round trip each
    request, one in eight of a check's. Here a pooled connection is pinged only when it has
    been idle longer than `idle_seconds` (what a restart of PostgreSQL, a failover or a
    firewall's idle timeout finds); one a busy process used a moment ago is not. A dead one
    is replaced before the request sees it; should a connection die within that moment, the
    statement's disconnect invalidates the whole pool and the request is a 503 (as a restart
    during a request already is). `None`: no ping at all."""
    if idle_seconds is None or engine.dialect.name == "sqlite" or engine.pool._pre_ping:
        return
    import time

    from sqlalchemy import exc

    @event.listens_for(engine, "connect")
    def _on_connect(_dbapi_connection, record):
        record.info[_USED_AT] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record):
        if record is not None:
            record.info[_USED_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, record, _proxy):
        if time.monotonic() - record.info.get(_USED_AT, 0) <= idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # the pool discards it and checks out another
            raise exc.DisconnectionError(_first_line(error)) from error
        record.info[_USED_AT] = time.monotonic()


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
            reason = getattr(error, "reason", None)
            page = render_template("errors/error.html", status=status, reason=reason)
            return page, status, headers

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

    _register_unavailable(app)
    _discard_lost_connections(app)


UNAVAILABLE_RETRY_AFTER = 30


def _discard_lost_connections(app: Flask) -> None:
    """Ends each app context's session before Flask-SQLAlchemy does (teardowns run last
    registered first). When PostgreSQL went away during the request (a restart), rolling the
    session back raises; Flask-SQLAlchemy's teardown would let that turn a finished response
    into a 500 with a traceback. The connection is dropped instead; the pool opens a new one."""
    from sqlalchemy.exc import DBAPIError

    @app.teardown_appcontext
    def end_session(_error):
        try:
            db.session.remove()
        except DBAPIError as error:
            app.logger.warning("database connection lost: %s", _first_line(error))
            try:
                db.session().invalidate()
            finally:
                db.session.registry.clear()


def _register_unavailable(app: Flask) -> None:
    """The database not answering (a restart, a failover, the network) is a 503 with
    Retry-After, never a 500 with a traceback in the log: the request's work is undone, and
    the page says nothing was saved. The page is rendered without the database (no signed-in
    user, no navigation badges), in the language the session chose. (Redis not answering is
    already a 503 where a job is enqueued: app/jobs/queue.py.)"""
    from flask import current_app, g, session
    from flask_babel import force_locale
    from sqlalchemy.exc import InterfaceError, OperationalError

    from app.core.errors import problem
    from app.extensions import login_manager

    def unavailable(error):
        current_app.logger.warning(
            "%s %s: service unavailable: %s", request.method, request.path, _first_line(error)
        )
        try:
            db.session.rollback()
        except Exception:  # the connection is gone; the pool discards it
            db.session.close()
        # Rendered as nobody: loading the signed-in user would ask the database again.
        g._login_user = login_manager.anonymous_user()
        headers = {"Retry-After": str(UNAVAILABLE_RETRY_AFTER)}
        lang = session.get("lang")
        if lang not in app.config["LANGUAGES"]:
            lang = app.config["BABEL_DEFAULT_LOCALE"]
        with force_locale(lang):
            from flask_babel import gettext as _

            if wants_json():
                response = problem(
                    503,
                    "service_unavailable",
                    _("Service unavailable"),
                    _(
                        "The platform cannot reach its database or queue right now; nothing "
                        "was saved. Try again in a minute."
                    ),
                )
                response.headers.update(headers)
                return response
            return render_template("errors/unavailable.html"), 503, headers

    for kind in (OperationalError, InterfaceError):
        app.register_error_handler(kind, unavailable)


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:300]


def _cache_compiled_templates(app: Flask) -> None:
    """Jinja compiles a template on its first use in each process; the statistics page's four
    took most of its first view (0.8 s of 1.1 s on the demo data). The compiled code is kept
    on disk, checked against the template's source, so a restarted process loads it."""
    from pathlib import Path

    from jinja2 import FileSystemBytecodeCache

    folder = app.config.get("TEMPLATE_CACHE_DIR")
    if folder is None:
        folder = str(Path(app.instance_path) / "cache" / "templates")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    app.jinja_env.bytecode_cache = FileSystemBytecodeCache(folder)


def _register_template_helpers(app: Flask) -> None:
    from app.core.calendar import deadline_unconfirmed, today
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
    app.jinja_env.globals["deadline_unconfirmed"] = deadline_unconfirmed

    @app.context_processor
    def inject_globals():
        from flask import url_for
        from flask_login import current_user

        def nav_items():
            # the user itself, not the proxy: each entry's check reads several attributes
            user = current_user._get_current_object()
            if not user.is_authenticated:
                return []
            section = (request.endpoint or "").split(".")[0]
            shown = nav_entries(user)
            badges = nav_badges(user)
            return [
                {
                    "url": url_for(endpoint),
                    "label": label,
                    "endpoint": endpoint,
                    "more": order >= NAV_MORE_FROM,
                    "active": bool(section) and section == endpoint.split(".")[0],
                    "badge": badges[endpoint],
                    "badge_label": badge_label(endpoint),
                }
                for order, endpoint, label, _visible in shown
            ]

        def nav_badge(endpoint):
            return badge_count(endpoint, current_user)

        return {
            "current_locale": str(get_locale() or "zh"),
            "nav_items": nav_items,
            "nav_badge": nav_badge,
        }
