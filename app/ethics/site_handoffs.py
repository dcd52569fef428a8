"""Who is told in collaborative review: a site's committee office of each decision to
confirm and each update to acknowledge (a to-do until it answers), the lead's office of
each answer. The texts name the activity's reference only."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.notifications.handoffs import hand_off, mark_done, register_handoff


def _reference(site) -> str:
    if site.application is not None:
        return site.application.reference
    return (site.copy or {}).get("reference", site.activity_uid)


def _link(site) -> dict:
    return {"endpoint": "ethics.site", "values": {"site_id": site.id}, "anchor": None}


def _office_of_panel(panel_id) -> list[User]:
    from app.ethics.models import Unit, UnitRole, UnitUser

    if panel_id is None:
        return []
    return list(
        db.session.scalars(
            select(User)
            .join(UnitUser, UnitUser.user_id == User.id)
            .join(Unit, Unit.id == UnitUser.unit_id)
            .where(Unit.panel_id == panel_id, UnitUser.role == UnitRole.office)
        )
    )


def register() -> None:
    common = {"link": _link, "params": lambda s: {"ref": _reference(s)}}
    register_handoff(
        "ethics.site_decision",
        text=_l(
            "The lead committee decided multi-site activity %(ref)s: confirm it for your site."
        ),
        recipients=lambda s: _office_of_panel(s.panel_id),
        **common,
    )
    register_handoff(
        "ethics.site_update",
        text=_l("The lead committee of %(ref)s decided an update: acknowledge it."),
        recipients=lambda s: _office_of_panel(s.panel_id),
        **common,
    )
    register_handoff(
        "ethics.site_answered",
        text=_l("A site of multi-site activity %(ref)s answered."),
        recipients=lambda s: _office_of_panel(
            s.application.panel_id if s.application is not None else None
        ),
        **common,
    )


def _todo(site, update) -> str:
    return f"ethics-site:{site.id}:{update.seq}"


def to_site(site, update, actor) -> None:
    # The decision itself, then the amendments and follow-up decisions after it.
    event = f"ethics.site_{'decision' if update.seq == 1 else 'update'}"
    hand_off(event, site, actor=actor, todo=_todo(site, update))


def to_lead(site, actor) -> None:
    hand_off("ethics.site_answered", site, actor=actor)


def done(site, update) -> None:
    mark_done(_todo(site, update))
