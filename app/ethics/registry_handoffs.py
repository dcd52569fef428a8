"""Who is told in the registry and of annual reports, declared once (`register`): the
authority of a filing to accept and of a report overdue, the office of the answer, of a
report due and of a report overdue. Texts name the committee only."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.models import Role, User
from app.extensions import db
from app.notifications.handoffs import hand_off, mark_done, register_handoff, users_with_role


def _link(obj) -> dict:
    return {
        "endpoint": "ethics.registry_committee",
        "values": {"panel_id": obj.panel_id},
        "anchor": None,
    }


def _params(obj) -> dict:
    params = {"committee": obj.panel.name}
    if getattr(obj, "year", None) is not None:
        params["year"] = obj.year
    return params


def office_users(unit_id: int) -> list[User]:
    from app.ethics.models import UnitRole, UnitUser

    return list(
        db.session.scalars(
            select(User)
            .join(UnitUser, UnitUser.user_id == User.id)
            .where(UnitUser.unit_id == unit_id, UnitUser.role == UnitRole.office)
        )
    )


def authority_users(agency_id: int) -> list[User]:
    return users_with_role(agency_id, Role.supervisor, Role.agency_admin)


def register() -> None:
    common = {"link": _link, "params": _params}
    register_handoff(
        "ethics.registry.filed",
        text=_l("The ethics committee %(committee)s filed its registration: accept or return it."),
        recipients=lambda r: authority_users(r.agency_id),
        todo=lambda r: f"ethreg:{r.id}",
        **common,
    )
    register_handoff(
        "ethics.registry.accepted",
        text=_l("The registration of %(committee)s was accepted."),
        recipients=lambda r: office_users(r.unit_id),
        **common,
    )
    register_handoff(
        "ethics.registry.returned",
        text=_l("The registration of %(committee)s was returned: correct it and file again."),
        recipients=lambda r: office_users(r.unit_id),
        **common,
    )
    register_handoff(
        "ethics.registry.due",
        text=_l("The ethics committee %(committee)s is to be registered by %(due)s."),
        **common,
    )
    register_handoff(
        "ethics.report.due",
        text=_l("The annual reports of %(committee)s for %(year)s are due by %(due)s."),
        **common,
    )
    register_handoff(
        "ethics.report.overdue",
        text=_l("The annual reports of %(committee)s for %(year)s are overdue (due %(due)s)."),
        **common,
    )


def registration_filed(registration, actor) -> None:
    mark_done(f"ethreg-due:{registration.panel_id}")
    hand_off("ethics.registry.filed", registration, actor=actor)


def registration_answered(registration, actor) -> None:
    mark_done(f"ethreg:{registration.id}")
    hand_off(f"ethics.registry.{registration.state.value}", registration, actor=actor)


def registration_due(state) -> int:
    """Tells the office (once for each day due) that its committee, or a change of it, is to
    be registered."""
    added = hand_off(
        "ethics.registry.due",
        _Due(state.panel, None),
        to=office_users(state.unit.id),
        todo=f"ethreg-due:{state.panel.id}",
        dedupe=f"ethreg-due:{state.panel.id}:{state.due_on.isoformat()}",
        due=state.due_on.isoformat(),
    )
    return len(added)


def report_todo(panel_id: int, year: int) -> str:
    return f"ethreport:{panel_id}:{year}"


def report_due(due, panel, unit, year: int) -> int:
    """Reminds the office (once per committee and year) that its reports are due."""
    obj = _Due(panel, year)
    added = hand_off(
        "ethics.report.due",
        obj,
        to=office_users(unit.id),
        todo=report_todo(panel.id, year),
        dedupe=f"ethreport-due:{panel.id}:{year}",
        due=due.isoformat(),
    )
    return len(added)


def report_overdue(due, panel, unit, year: int) -> int:
    """Tells the office and the authority (once) that the reports are overdue."""
    obj = _Due(panel, year)
    people = office_users(unit.id) + authority_users(unit.agency_id)
    added = hand_off(
        "ethics.report.overdue",
        obj,
        to=people,
        todo=report_todo(panel.id, year),
        dedupe=f"ethreport-overdue:{panel.id}:{year}",
        due=due.isoformat(),
    )
    return len(added)


def reports_filed(panel_id: int, year: int) -> None:
    mark_done(report_todo(panel_id, year))


class _Due:
    """What a report reminder is about: the committee and the year."""

    def __init__(self, panel, year: int) -> None:
        self.panel = panel
        self.panel_id = panel.id
        self.year = year
