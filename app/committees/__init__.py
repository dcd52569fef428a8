"""Ethics and academic-integrity committees (伦理/学术委员会): panels, the regional expert
pool, referrals, conflict declarations, recusals, attendance, votes and minutes."""

from flask import Flask


def init_app(app: Flask) -> None:
    from app.committees import models  # noqa: F401  (the tables, for migrations and queries)
