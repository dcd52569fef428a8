"""Ethics and academic-integrity committees (伦理/学术委员会): panels, the regional expert
pool, referrals, conflict declarations, recusals, attendance, votes and minutes."""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("committees", __name__, url_prefix="/committees")


def init_app(app: Flask) -> None:
    from app.auth.models import Role
    from app.cases.extension_points import bind_step
    from app.committees import labels as committees_labels
    from app.committees import (  # noqa: F401  (routes on import)
        material_views,
        models,
        review_views,
        views,
    )
    from app.committees.figures import register_committee_figures
    from app.committees.labels import (
        REVIEW_ACTION_LABELS,
        REVIEW_AUDIT_LABELS,
        category_label,
        figures_text,
        review_label,
        rule_text,
    )
    from app.committees.permissions import can_see_panels, can_see_pool
    from app.committees.reviews import open_review
    from app.core.extension_points import register_nav
    from app.core.labels import register_labels

    committees_labels.register()
    register_committee_figures()
    bind_step("refer_to_committee", open_review)
    app.register_blueprint(bp)
    app.register_blueprint(material_views.bp)  # the panel marks, under /cases/…
    app.jinja_env.filters["category_label"] = category_label
    app.jinja_env.filters["review_label"] = review_label
    register_labels(actions=REVIEW_ACTION_LABELS)
    register_labels(audit=REVIEW_AUDIT_LABELS)
    _register_review_pieces(app)
    app.jinja_env.globals.update(rule_text=rule_text, figures_text=figures_text)
    register_nav(
        30,
        "committees.invitations",
        _l("My committee seats"),
        lambda user: user.has_role(Role.committee_member),
    )
    register_nav(
        84,
        "committees.review_inbox",
        _l("My reviews"),
        lambda user: user.has_role(Role.committee_member),
    )
    register_nav(82, "committees.panels", _l("Committees"), can_see_panels)
    register_nav(83, "committees.pool", _l("Expert pool"), can_see_pool)


def _register_review_pieces(app: Flask) -> None:
    from app.cases.permissions import reads_shared_level
    from app.committees import review_views
    from app.core.extension_points import register_case_section, register_dashboard_panel

    register_case_section(
        50,
        "committees/_case_section.html",
        lambda user, case: not reads_shared_level(user, case),
        load=review_views.committee_section,
        name="committee",
    )
    register_dashboard_panel(40, "committees/_dashboard.html", review_views.committee_dashboard)
    _register_dossier_section()


def _register_dossier_section() -> None:
    from app.committees.dossier import load_committee
    from app.dossiers import register_section

    register_section(
        90, "committee", _l("Committee review"), "dossiers/sections/committee.html", load_committee
    )
