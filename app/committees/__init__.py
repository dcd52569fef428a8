"""Ethics and academic-integrity committees (伦理/学术委员会): panels, the regional expert
pool, referrals, conflict declarations, recusals, attendance, votes and minutes."""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("committees", __name__, url_prefix="/committees")


def init_app(app: Flask) -> None:
    from app.auth.models import Role
    from app.committees import models, views  # noqa: F401  (tables; routes register on import)
    from app.committees.figures import register_committee_figures
    from app.committees.labels import category_label, figures_text, rule_text
    from app.committees.permissions import can_see_panels, can_see_pool
    from app.core import NAV_ITEMS, register_nav
    from app.statistics.figures import is_registered

    if not is_registered("committee_reviews"):
        register_committee_figures()
    app.register_blueprint(bp)
    app.jinja_env.filters["category_label"] = category_label
    app.jinja_env.globals.update(rule_text=rule_text, figures_text=figures_text)
    if any(item[1] == "committees.panels" for item in NAV_ITEMS):  # one entry however many apps
        return
    register_nav(
        30,
        "committees.invitations",
        _l("My committee seats"),
        lambda user: user.has_role(Role.committee_member),
    )
    register_nav(82, "committees.panels", _l("Committees"), can_see_panels)
    register_nav(83, "committees.pool", _l("Expert pool"), can_see_pool)
