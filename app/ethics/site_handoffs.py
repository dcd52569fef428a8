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
    register_handoff(
        "ethics.site_named",
        text=_l("You are named to confirm multi-site activity %(ref)s for your committee."),
        **common,
    )
    register_handoff(
        "ethics.site_confirm_due",
        text=_l("Multi-site activity %(ref)s is not yet confirmed for your site: due %(due)s."),
        recipients=lambda s: _office_of_panel(s.panel_id),
        link=_link,
        params=lambda s: {"ref": _reference(s), "due": s.confirm_by.isoformat()},
    )


def _member_todo(site) -> str:
    return f"ethics-site-member:{site.id}"


def to_members(site, users, actor) -> None:
    """The named members: each declares and answers (a to-do until they have)."""
    hand_off("ethics.site_named", site, actor=actor, to=users, todo=_member_todo(site))


def member_done(site, user_ids=None) -> None:
    """A member answered or was recused (`user_ids`), or the site confirmed (everyone)."""
    mark_done(_member_todo(site), user_ids=user_ids)


def remind_due(site) -> int:
    """Once per site: its office is reminded before `confirm_by`."""
    key = f"ethics-site-due:{site.id}"
    return len(hand_off("ethics.site_confirm_due", site, todo=key, dedupe=key))


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
    if update.seq == 1:
        member_done(site)
        mark_done(f"ethics-site-due:{site.id}")
