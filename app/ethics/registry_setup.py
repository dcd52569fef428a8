"""The registry's part of the ethics feature's `init_app`: its pages and API, labels,
hand-offs, navigation entry with its badge, policy numbers and statistics figures."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_registry(app: Flask) -> None:
    from app.core.extension_points import register_nav, register_nav_badge, register_policy_numbers
    from app.ethics import registry_api, registry_handoffs, registry_labels, registry_views  # noqa: F401
    from app.ethics.annual_figures import register_annual_figures
    from app.ethics.registry_policy import policy_numbers

    registry_labels.register()
    registry_handoffs.register()
    register_policy_numbers(policy_numbers)
    register_annual_figures()
    app.add_template_filter(registry_labels.status_label, "registry_status")
    app.add_template_filter(registry_labels.member_label, "registry_member")
    register_nav(89, "ethics.registry", _l("Committee registry"), registry_views.may_open)
    register_nav_badge(
        "ethics.registry", registry_views.badge, _l("registry filings and reports waiting")
    )
