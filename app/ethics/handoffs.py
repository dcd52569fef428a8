"""Who is told at each step of ethics review, declared once (`register`) and announced
where the step is taken. The texts name the application's reference only."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.notifications.handoffs import hand_off, mark_done, register_handoff


def _link(application) -> dict:
    return {
        "endpoint": "ethics.application",
        "values": {"reference": application.reference},
        "anchor": None,
    }


def _params(application) -> dict:
    return {"ref": application.reference}


def _todo(application) -> str:
    return f"ethics:{application.id}:{application.state.value}"


def _office_users(application) -> list[User]:
    from app.ethics.models import Unit, UnitRole, UnitUser

    return list(
        db.session.scalars(
            select(User)
            .join(UnitUser, UnitUser.user_id == User.id)
            .join(Unit, Unit.id == UnitUser.unit_id)
            .where(Unit.panel_id == application.panel_id, UnitUser.role == UnitRole.office)
        )
    )


def register() -> None:
    common = {"link": _link, "params": _params}
    register_handoff(
        "ethics.submitted",
        text=_l("Ethics application %(ref)s was submitted: accept it or list what is missing."),
        recipients=_office_users,
        todo=_todo,
        **common,
    )
    register_handoff(
        "ethics.returned",
        text=_l("Ethics application %(ref)s was returned: complete the missing items."),
        recipients=lambda a: [a.applicant],
        todo=_todo,
        **common,
    )
    register_handoff(
        "ethics.accepted",
        text=_l("Ethics application %(ref)s was accepted for review."),
        recipients=lambda a: [a.applicant],
        **common,
    )


def register_appeals() -> None:
    def params(pair):
        application, appeal = pair
        return {"ref": application.reference, "answer": appeal.answer}

    def common(pair):
        return _link(pair[0])

    register_handoff(
        "ethics.appeal_upheld",
        text=_l(
            "Your appeal on ethics application %(ref)s was upheld: the committee reviews it "
            "again. %(answer)s"
        ),
        recipients=lambda pair: [pair[1].lodged_by],
        link=common,
        params=params,
    )
    register_handoff(
        "ethics.appeal_dismissed",
        text=_l("Your appeal on ethics application %(ref)s was dismissed. Reasons: %(answer)s"),
        recipients=lambda pair: [pair[1].lodged_by],
        link=common,
        params=params,
    )


def appeal_answered(application, appeal, actor) -> None:
    """The applicant who appealed is told the answer, with the reasons."""
    hand_off(f"ethics.appeal_{appeal.state.value}", (application, appeal), actor=actor)


def _close(application) -> None:
    mark_done(f"ethics:{application.id}:", prefix=True)


def submitted(application, actor) -> None:
    _close(application)
    hand_off("ethics.submitted", application, actor=actor)


def returned(application, actor) -> None:
    _close(application)
    hand_off("ethics.returned", application, actor=actor)


def accepted(application, actor) -> None:
    _close(application)
    hand_off("ethics.accepted", application, actor=actor)
