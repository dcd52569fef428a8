"""JSON API v1 (bearer tokens, problem+json errors, OpenAPI document)."""

from flask import Blueprint, Flask

from app.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def init_app(app: Flask) -> None:
    from app.api import joint, reviews, transfers, views  # noqa: F401  (routes register on import)

    csrf.exempt(bp)
    app.register_blueprint(bp)
