"""Cases: registration, the statutory workflow, team and deadlines."""

from flask import Blueprint, Flask

bp = Blueprint("cases", __name__)


def init_app(app: Flask) -> None:
    from app.cases import views  # noqa: F401  (routes register on import)

    app.register_blueprint(bp)
