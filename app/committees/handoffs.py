"""Who must act next in a committee's work: the members of a review, its chair on the
automatic screen's proposals, a recused member (their part is over), an expert invited to
a seat (or their agency's administrators, while the expert has no account), and the
inviting agency once the expert answers.

To-do keys: `review:<id>` for a member's declaration and vote, `review:<id>:screen` for
the chair; `seat:<id>:answer` and `seat:<id>:account` for an invitation. The notifications
name the panel, the agency and the case's reference, never the case's content or the
person a screen matched.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.models import Role, User
from app.committees.models import PanelSeat, Review, SeatStatus
from app.extensions import db
from app.notifications.handoffs import (
    agency_name,
    hand_off,
    mark_done,
    register_handoff,
    users_with_role,
)


def _review_link(review: Review) -> dict:
    return {"endpoint": "committees.review_detail", "values": {"review_id": review.id}}


def _review_params(review: Review) -> dict:
    return {
        "ref": review.case.reference,
        "panel": review.panel.name,
        "date": review.deadline.isoformat(),
    }


def _seat_params(seat: PanelSeat) -> dict:
    return {"panel": seat.panel.name, "agency": agency_name(seat.panel.agency)}


def review_todo(review: Review) -> str:
    return f"review:{review.id}"


def screen_todo(review: Review) -> str:
    return f"review:{review.id}:screen"


def seat_todos(seat: PanelSeat) -> str:
    return f"seat:{seat.id}:"


# The members of the panel a case is referred to must act: declare, then review and vote.
register_handoff(
    "committee.referral",
    text=_l(
        "%(panel)s: case %(ref)s is referred to you for review; declare any conflict "
        "first. Deadline %(date)s."
    ),
    link=_review_link,
    params=_review_params,
    todo=review_todo,
)
register_handoff(
    "committee.screening",
    text=_l(
        "%(panel)s: the automatic screen proposes recusals for the review of case %(ref)s; "
        "confirm or dismiss them."
    ),
    link=_review_link,
    params=_review_params,
    todo=screen_todo,
)
register_handoff(
    "committee.recused",
    text=_l("%(panel)s: the chair recused you from the review of case %(ref)s."),
    link=lambda review: {"endpoint": "committees.review_inbox", "values": {}},
    params=_review_params,
)
register_handoff(
    "committee.recusal_lifted",
    text=_l(
        "%(panel)s: the chair lifted your recusal from the review of case %(ref)s; take "
        "your part in it again."
    ),
    link=_review_link,
    params=_review_params,
    todo=review_todo,
)
register_handoff(
    "committee.seat_invited",
    text=_l("%(agency)s invites you to a seat on %(panel)s: accept or decline it."),
    recipients=lambda seat: [seat.expert.user],
    link=lambda seat: {"endpoint": "committees.invitations", "values": {}},
    params=_seat_params,
    todo=lambda seat: seat_todos(seat) + "answer",
)
register_handoff(
    "committee.seat_account",
    text=_l(
        "%(agency)s invites an expert of your agency to a seat on %(panel)s: create or link "
        "the expert's account so they can answer."
    ),
    recipients=lambda seat: users_with_role(seat.expert.agency_id, Role.agency_admin),
    link=lambda seat: {
        "endpoint": "committees.expert_edit",
        "values": {"expert_id": seat.expert_id},
    },
    params=_seat_params,
    todo=lambda seat: seat_todos(seat) + "account",
)


def _panel_link(seat: PanelSeat) -> dict:
    return {"endpoint": "committees.panel_detail", "values": {"panel_id": seat.panel_id}}


def _inviters(seat: PanelSeat) -> list[User]:
    people = users_with_role(seat.panel.agency_id, Role.agency_admin)
    if seat.invited_by_id is not None:
        people.append(db.session.get(User, seat.invited_by_id))
    return people


for _event, _text in (
    ("committee.seat_accepted", _l("An invited expert accepted a seat on %(panel)s.")),
    ("committee.seat_declined", _l("An invited expert declined a seat on %(panel)s.")),
):
    register_handoff(
        _event,
        text=_text,
        recipients=_inviters,
        link=lambda seat: {
            "endpoint": "committees.panel_detail",
            "values": {"panel_id": seat.panel_id},
        },
        params=_seat_params,
    )


def announce_referral(review: Review, members: list[User], screeners: list[User]) -> None:
    """`screeners`: who decides the screen's flags (never the member a flag names)."""
    hand_off("committee.referral", review, to=members)
    if screeners:
        hand_off("committee.screening", review, to=screeners)


def announce_screen_settled(review: Review) -> None:
    """The chair's to-do ends once no proposal of the screen is left to confirm or dismiss."""
    pending = (
        m.screened_conflict and m.screen_dismissed_at is None and m.recused_at is None
        for m in review.members
    )
    if not any(pending):
        mark_done(screen_todo(review))


def announce_recusal(review: Review, member_user: User | None, actor: User) -> None:
    """A recused member has nothing left to declare or vote; told when the chair did it."""
    if member_user is None:
        return
    mark_done(review_todo(review), user_ids=[member_user.id])
    hand_off("committee.recused", review, to=[member_user], actor=actor)


def announce_lifted(review: Review, member_user: User | None, chair: User) -> None:
    """A member whose recusal the chair lifted has a part to take again: a to-do."""
    if member_user is not None:
        hand_off("committee.recusal_lifted", review, to=[member_user], actor=chair)


def announce_vote(review: Review, user: User) -> None:
    mark_done(review_todo(review), user_ids=[user.id])


def announce_closed(review: Review) -> None:
    mark_done(review_todo(review))
    mark_done(review_todo(review) + ":", prefix=True)


def announce_seat_invitation(seat: PanelSeat, actor: User) -> None:
    """The expert hears of it; without an account yet, their agency's administrators do."""
    if seat.expert.user is not None:
        hand_off("committee.seat_invited", seat, actor=actor)
    else:
        hand_off("committee.seat_account", seat, actor=actor)


def announce_account(expert_id: int, actor: User) -> None:
    """The expert has an account now: their open invitations reach them."""
    seats: Iterable[PanelSeat] = db.session.scalars(
        select(PanelSeat).where(
            PanelSeat.expert_id == expert_id, PanelSeat.status == SeatStatus.invited
        )
    )
    for seat in seats:
        mark_done(seat_todos(seat) + "account")
        hand_off("committee.seat_invited", seat, actor=actor)


def announce_seat_answer(seat: PanelSeat, actor: User) -> None:
    mark_done(seat_todos(seat), prefix=True)
    answer = "accepted" if seat.status is SeatStatus.active else "declined"
    hand_off(f"committee.seat_{answer}", seat, actor=actor)


def announce_seat_ended(seat: PanelSeat) -> None:
    mark_done(seat_todos(seat), prefix=True)
