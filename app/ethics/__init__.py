"""Science and technology ethics review (科技伦理审查): research units and their people,
committees (own or entrusted), applications with versions and attachments, acceptance,
and the committee's review by the general, simplified or emergency procedure.

Builds on committees (panels of kind ethics, seats, composition rules, the count) and on
the evidence store (content-addressed blobs); neither knows of it."""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("ethics", __name__, url_prefix="/ethics")


def init_app(app: Flask) -> None:
    from app.core.extension_points import register_nav, register_nav_badge
    from app.ethics import (  # noqa: F401
        api,
        api_steps,
        clocks,
        handoffs,
        labels,
        models,
        queues,
        record_views,
        review_record,
        views,
    )
    from app.ethics.models import UnitRole
    from app.ethics.permissions import (
        may_manage_units,
        nav_may_see_ethics,
        nav_may_see_overdue,
        nav_unit_roles,
        waiting_badge,
    )

    labels.register()
    handoffs.register()
    queues.register()
    review_record.register()
    from app.ethics.registry_setup import init_registry

    init_registry(app)
    _collaborative_review()
    _init_lookup()
    handoffs.register_appeals()
    _register_review_subject()
    clocks.register_reminders()
    app.register_blueprint(bp)
    # In the bar for those whose work it is (units, committee members); under "More" for the
    # authority's staff, whose bar the case work fills.
    register_nav(
        36,
        "ethics.applications",
        _l("Ethics review"),
        lambda user: nav_may_see_ethics(user) and not _authority_staff(user),
    )
    register_nav(
        88,
        "ethics.applications",
        _l("Ethics review"),
        lambda user: nav_may_see_ethics(user) and _authority_staff(user),
    )
    register_nav(86, "ethics.units", _l("Research units"), may_manage_units)
    register_nav(
        87,
        "ethics.overdue",
        _l("Overdue follow-ups"),
        lambda user: UnitRole.office in nav_unit_roles(user),
    )
    register_nav(
        89,
        "ethics.decisions_overdue",
        _l("Overdue decisions"),
        nav_may_see_overdue,
    )
    register_nav_badge(
        "ethics.applications", waiting_badge, _l("ethics applications waiting for you")
    )


def _collaborative_review() -> None:
    """Sites of multi-site activities: their pages, API, hand-offs and the two envelope
    kinds they register with the exchange (`app.exchange.kinds`)."""
    from app.ethics import (  # noqa: F401
        site_api,
        site_exchange,
        site_handoffs,
        site_models,
        site_review_api,
        site_views,
    )

    site_handoffs.register()
    site_exchange.register()
    from app.ethics import site_files

    site_files.register()
    from app.ethics import approval_exchange

    approval_exchange.register()
    from app.core.extension_points import register_nav
    from app.ethics.models import UnitRole
    from app.ethics.permissions import nav_unit_roles

    register_nav(
        89,
        "ethics.site_queue",
        _l("Multi-site activities"),
        lambda user: UnitRole.office in nav_unit_roles(user),
    )


def _init_lookup() -> None:
    """The approval look-up (its page, API operation and case-page link) and the table of
    other nodes' approvals."""
    from app.core.extension_points import register_case_section, register_nav
    from app.ethics import approvals, lookup, lookup_views  # noqa: F401

    lookup.register()
    register_nav(89, "ethics.lookup", _l("Ethics approval look-up"), lookup.nav_may_look_up)
    register_case_section(
        62,
        "ethics/_lookup_case_section.html",
        lookup_views.case_section_visible,
        name="ethics_lookup",
    )


def _register_review_subject() -> None:
    """An application's review members are committees' own (declaration, recusal,
    attendance, vote), kept under this subject."""
    from app.committees.subjects import register_review_subject
    from app.ethics.reviewing import SUBJECT, open_review_ids

    register_review_subject(SUBJECT, open_review_ids)
    from app.ethics import site_review

    register_review_subject(site_review.SUBJECT, site_review.open_site_ids)


def _authority_staff(user) -> bool:
    """An agency's officers, supervisors, administrators and auditors (not a unit's people,
    not a committee member alone)."""
    from app.auth.models import Role

    return user.has_role(Role.officer, Role.supervisor, Role.agency_admin, Role.auditor)
