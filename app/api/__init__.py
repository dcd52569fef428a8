"""JSON API v1 (bearer tokens, problem+json errors, OpenAPI document)."""

from flask import Blueprint, Flask

from app.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _set_up(blueprint: Blueprint) -> None:
    from app.api.handling import authenticate, register_error_handlers

    blueprint.before_request(authenticate)
    register_error_handlers(blueprint)


_set_up(bp)  # once, when the blueprint is made: a registered blueprint takes no more setup


def init_app(app: Flask) -> None:
    from app.api import (  # noqa: F401  (routes register on import)
        cases,
        documents,
        intake,
        joint,
        records,
        remedies,
        reports,
        reviews,
        screening,
        spec,
        statistics,
        transfers,
    )

    csrf.exempt(bp)
    app.register_blueprint(bp)
