"""Who acts next at each step of the review after acceptance, told through the platform's
hand-offs (`app.notifications.handoffs`), and the follow-up reminders.

Each step's audit action names its hand-off (`after_step`, called where the step writes its
audit entry), so the services need no line per step: a member seated is asked to declare,
a declared member to vote once a decision is put, the applicant hears of the decision and
of a preliminary approval (file the re-review), the authority's supervisors get the
re-review request to organise, the experts their seat to accept and their answer to give,
the office the re-review's answer (issue the decision), an appeal to answer and follow-up
material filed; the applicant hears of an appeal's answer, a suspension or termination and
a follow-up falling due.

To-do keys: `ethics-review:<id>:declare|vote` (a member's), `ethics-rr:<id>:file|panel|
seat|answer|issue`, `ethics-appeal:<id>`, `ethics-fu:<id>:<due>`. Texts name the
application's reference only, never its content."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.models import Role, User
from app.committees.models import SeatStatus
from app.committees.rules import SeatRole
from app.core.calendar import today
from app.extensions import db
from app.notifications.handoffs import hand_off, mark_done, register_handoff, users_with_role

# Days before a follow-up falls due that the applicant and the office are reminded: the
# platform's choice, not a figure of the measures.
REMINDER_DAYS = 14


def _link(application) -> dict:
    return {
        "endpoint": "ethics.application",
        "values": {"reference": application.reference},
        "anchor": None,
    }


def _params(application) -> dict:
    due = application.followup_due
    return {"ref": application.reference, "date": due.isoformat() if due else ""}


def _review_key(application, what: str) -> str:
    return f"ethics-review:{application.id}:{what}"


def _rr_key(application, what: str) -> str:
    return f"ethics-rr:{application.id}:{what}"


def _followup_key(application) -> str:
    return f"ethics-fu:{application.id}:{application.followup_due}"


HANDOFFS = {
    "ethics.declare": _l(
        "Ethics application %(ref)s is before you for review: declare any conflict first."
    ),
    "ethics.vote": _l("Ethics application %(ref)s: a decision is put to the members; vote."),
    "ethics.decided": _l("Ethics application %(ref)s was decided: read the decision letter."),
    "ethics.preliminary": _l(
        "Ethics application %(ref)s was approved preliminarily: file the expert re-review."
    ),
    "ethics.rereview_filed": _l(
        "Expert re-review of ethics application %(ref)s was filed: form the panel."
    ),
    "ethics.rereview_seat": _l(
        "You are invited to the expert re-review of ethics application %(ref)s: accept or "
        "decline the seat."
    ),
    "ethics.rereview_answer": _l(
        "Expert re-review of ethics application %(ref)s: declare any conflict, then agree or "
        "disagree."
    ),
    "ethics.rereview_done": _l(
        "The expert re-review of ethics application %(ref)s answered: issue the decision."
    ),
    "ethics.appeal": _l("An appeal against the decision on ethics application %(ref)s: answer it."),
    "ethics.appeal_answered": _l("Your appeal on ethics application %(ref)s was answered."),
    "ethics.followup_filed": _l("Follow-up material was filed for ethics application %(ref)s."),
    "ethics.activity_stopped": _l(
        "The committee suspended or terminated the activity of ethics application %(ref)s."
    ),
    "ethics.extended": _l("The time to decide ethics application %(ref)s was extended."),
    "ethics.followup_due": _l(
        "The follow-up report on ethics application %(ref)s is due on %(date)s."
    ),
    "ethics.followup_overdue": _l(
        "The follow-up report on ethics application %(ref)s was due on %(date)s and is overdue."
    ),
}


def register() -> None:
    for event, text in HANDOFFS.items():
        register_handoff(event, text=text, link=_link, params=_params)


# --- who --------------------------------------------------------------------------------


def _office(application) -> list[User]:
    from app.ethics.handoffs import _office_users

    return _office_users(application)


def _members(application, *, undeclared=False, voters=False) -> list[User]:
    from app.ethics.reviewing import members_of

    people = []
    for m in members_of(application):
        if m.recused or (undeclared and m.declared_at is not None):
            continue
        if voters and (m.declared_at is None or m.role is SeatRole.consultant or m.voted_at):
            continue
        user = m.seat.expert.user
        if user is not None:
            people.append(user)
    return people


def _authority(application) -> list[User]:
    return users_with_role(application.unit.agency_id, Role.supervisor)


def _filers(application) -> list[User]:
    return [application.applicant, *_office(application)]


# --- the steps ---------------------------------------------------------------------------


def review_opened(application, actor=None) -> None:
    """The members seated (everyone for a meeting, the named ones for the simplified
    procedure) are asked to declare."""
    hand_off(
        "ethics.declare",
        application,
        actor=actor,
        to=_members(application, undeclared=True),
        todo=_review_key(application, "declare"),
    )


def _declared(actor, application) -> None:
    mark_done(_review_key(application, "declare"), user_ids=[actor.id])
    if application.proposed_decision is not None:
        _ask_votes(application, None)  # the one who declared is the one asked


def _ask_votes(application, actor) -> None:
    """Each declared voting member who has not voted and holds no open vote to-do."""
    from app.notifications.models import Notification

    key = _review_key(application, "vote")
    holding = set(
        db.session.scalars(
            select(Notification.user_id).where(
                Notification.todo_key == key, Notification.done_at.is_(None)
            )
        )
    )
    voters = [u for u in _members(application, voters=True) if u.id not in holding]
    hand_off("ethics.vote", application, actor=actor, to=voters, todo=key)


def _proposed(actor, application) -> None:
    mark_done(_review_key(application, "vote"))
    _ask_votes(application, actor)


def _voted(actor, application) -> None:
    mark_done(_review_key(application, "vote"), user_ids=[actor.id])


def _recused(actor, application) -> None:
    from app.ethics.reviewing import members_of

    gone = [
        m.seat.expert.user_id
        for m in members_of(application)
        if m.recused and m.seat.expert.user_id is not None
    ]
    mark_done(f"ethics-review:{application.id}:", prefix=True, user_ids=gone)


def _to_meeting(actor, application) -> None:
    mark_done(_review_key(application, "vote"))
    review_opened(application, actor)


def _preliminary(actor, application) -> None:
    mark_done(f"ethics-review:{application.id}:", prefix=True)
    hand_off(
        "ethics.preliminary",
        application,
        actor=actor,
        to=_filers(application),
        todo=_rr_key(application, "file"),
    )


def _decided(actor, application) -> None:
    mark_done(f"ethics-review:{application.id}:", prefix=True)
    mark_done(f"ethics-rr:{application.id}:", prefix=True)
    hand_off("ethics.decided", application, actor=actor, to=[application.applicant])


def _rereview_filed(actor, application) -> None:
    mark_done(_rr_key(application, "file"))
    hand_off(
        "ethics.rereview_filed",
        application,
        actor=actor,
        to=_authority(application),
        todo=_rr_key(application, "panel"),
    )


def _seats(application):
    from app.ethics.rereview import rereview_of

    review = rereview_of(application)
    return review.experts if review is not None else []


def _panel_formed(actor, application) -> None:
    mark_done(_rr_key(application, "panel"))
    seats = _seats(application)
    invited = [s.expert.user for s in seats if s.status is SeatStatus.invited]
    seated = [s.expert.user for s in seats if s.status is SeatStatus.active]
    hand_off(
        "ethics.rereview_seat",
        application,
        actor=actor,
        to=invited,
        todo=_rr_key(application, "seat"),
    )
    hand_off(
        "ethics.rereview_answer",
        application,
        actor=actor,
        to=seated,
        todo=_rr_key(application, "answer"),
    )


def _seat_answered(actor, application) -> None:
    mark_done(_rr_key(application, "seat"), user_ids=[actor.id])
    seat = next((s for s in _seats(application) if s.expert.user_id == actor.id), None)
    if seat is not None and seat.status is SeatStatus.active:
        hand_off(
            "ethics.rereview_answer",
            application,
            to=[actor],
            todo=_rr_key(application, "answer"),
        )


def _expert_declared(actor, application) -> None:
    seat = next((s for s in _seats(application) if s.expert.user_id == actor.id), None)
    if seat is not None and seat.recused:
        mark_done(_rr_key(application, "answer"), user_ids=[actor.id])


def _expert_voted(actor, application) -> None:
    mark_done(_rr_key(application, "answer"), user_ids=[actor.id])


def _rereview_closed(actor, application) -> None:
    mark_done(f"ethics-rr:{application.id}:", prefix=True)
    hand_off(
        "ethics.rereview_done",
        application,
        actor=actor,
        to=_office(application),
        todo=_rr_key(application, "issue"),
    )


def _appeal_lodged(actor, application) -> None:
    hand_off(
        "ethics.appeal",
        application,
        actor=actor,
        to=_office(application),
        todo=f"ethics-appeal:{application.id}",
    )


def _appeal_answered(actor, application) -> None:
    mark_done(f"ethics-appeal:{application.id}")
    hand_off("ethics.appeal_answered", application, actor=actor, to=[application.applicant])


def _followup_filed(actor, application) -> None:
    mark_done(f"ethics-fu:{application.id}:", prefix=True)
    hand_off("ethics.followup_filed", application, actor=actor, to=_office(application))


def _stopped(actor, application) -> None:
    if application.activity == "terminated":
        mark_done(f"ethics-fu:{application.id}:", prefix=True)
    hand_off("ethics.activity_stopped", application, actor=actor, to=[application.applicant])


def _extended(actor, application) -> None:
    hand_off("ethics.extended", application, actor=actor, to=[application.applicant])


STEPS = {
    "ethics.review.declare": _declared,
    "ethics.review.propose": _proposed,
    "ethics.review.vote": _voted,
    "ethics.review.recuse": _recused,
    "ethics.review.to_meeting": _to_meeting,
    "ethics.review.preliminary": _preliminary,
    "ethics.review.decide": _decided,
    "ethics.rereview.file": _rereview_filed,
    "ethics.rereview.panel": _panel_formed,
    "ethics.rereview.seat": _seat_answered,
    "ethics.rereview.declare": _expert_declared,
    "ethics.rereview.vote": _expert_voted,
    "ethics.rereview.close": _rereview_closed,
    "ethics.appeal.lodge": _appeal_lodged,
    "ethics.appeal.answer": _appeal_answered,
    "ethics.followup.file": _followup_filed,
    "ethics.followup.suspend": _stopped,
    "ethics.followup.terminate": _stopped,
    "ethics.extend": _extended,
}


def after_step(action: str, actor, application) -> None:
    """Called where a step of the review writes its audit entry (same transaction)."""
    step = STEPS.get(action)
    if step is not None:
        step(actor, application)


# --- follow-up reminders -----------------------------------------------------------------


def remind_followups(day: dt.date | None = None) -> dict:
    """Reminds the applicant and the office of a follow-up report falling due within
    `REMINDER_DAYS`, and the office of one overdue; once per person and due date, so a
    re-run sends nothing twice. The report filed ends the to-do."""
    from app.ethics.models import Application

    day = day or today()
    rows = db.session.scalars(
        select(Application)
        .where(
            Application.activity.in_(("active", "suspended")),
            Application.followup_due.is_not(None),
            Application.followup_due <= day + dt.timedelta(days=REMINDER_DAYS),
        )
        .order_by(Application.followup_due, Application.id)
    ).all()
    due = overdue = 0
    for application in rows:
        key = _followup_key(application)
        if application.followup_due < day:
            overdue += len(
                hand_off(
                    "ethics.followup_overdue",
                    application,
                    to=[application.applicant, *_office(application)],
                    todo=key,
                    dedupe=key + ":overdue",
                )
            )
        else:
            due += len(
                hand_off(
                    "ethics.followup_due",
                    application,
                    to=[application.applicant],
                    todo=key,
                    dedupe=key + ":due",
                )
            )
    return {"due": due, "overdue": overdue}
