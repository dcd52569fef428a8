"""YRD Research Integrity Platform: the application factory."""

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import Config, from_environment, normalise_database_url, secure_cookies
from app.core.secrets import ensure_instance_secrets

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
    )
    app.config.from_object(Config)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(from_environment())
    if config:
        app.config.update(config)
    _finish_config(app)
    if app.config["TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"])

    from app import extensions as ext
    from app.core import i18n

    ext.db.init_app(app)
    ext.migrate.init_app(
        app, ext.db, directory=str(ROOT / "migrations"), compare_type=True, render_as_batch=True
    )
    ext.login_manager.init_app(app)
    ext.csrf.init_app(app)
    ext.babel.init_app(app, locale_selector=i18n.select_locale)

    from app import (
        admin,
        api,
        auditing,
        auth,
        backup,
        calendar_years,
        cases,
        committees,
        core,
        demo,
        documents,
        dossiers,
        ethics,
        evidence,
        exchange,
        jobs,
        joint,
        notes,
        notifications,
        protection,
        records,
        reporting,
        reports,
        screening,
        statistics,
    )

    for module in (
        core,
        auth,
        cases,
        committees,
        protection,
        evidence,
        notes,
        joint,
        auditing,
        jobs,
        notifications,
        calendar_years,
        dossiers,
        documents,
        ethics,
        admin,
        api,
        records,
        reports,
        exchange,
        reporting,
        screening,
        statistics,
        backup,
        demo,
    ):
        module.init_app(app)
    i18n.init_app(app)  # after the features: the switch sees a session they have checked
    return app


def _finish_config(app: Flask) -> None:
    url = app.config.get("DATABASE_URL") or app.config.get("SQLALCHEMY_DATABASE_URI")
    if not url:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{Path(app.instance_path) / 'yrd.sqlite'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(url)
    secure_cookies(app.config)
    if url.startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30}}
    app.config.setdefault("FILE_STORE", None)
    if not app.config["FILE_STORE"]:
        app.config["FILE_STORE"] = str(Path(app.instance_path) / "files")
    ensure_instance_secrets(app)
