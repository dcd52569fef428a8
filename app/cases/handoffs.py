"""Who must act next on a case: the recipients the workflow's hand-offs name, and the
hand-offs of the steps that are not transitions (registration, the team, the defence, the
deadlines, the answers to a transfer). The transitions declare theirs in
app/cases/workflow.py (`handoff=`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from app.auth.models import Role, User
from app.cases.models import Case, CaseTransfer
from app.notifications.handoffs import (
    agency_name,
    case_link,
    case_todo,
    hand_off,
    mark_case_done,
    mark_done,
    register_handoff,
    users_with_role,
)


def supervisors(case: Case) -> list[User]:
    return users_with_role(case.agency_id, Role.supervisor)


def team(case: Case) -> list[User]:
    """The case team, as long as they still belong to the owning agency (access goes too)."""
    return [
        m.user
        for m in case.members
        if m.user.agency_id == case.agency_id and m.user.has_role(Role.officer, Role.supervisor)
    ]


def handlers(case: Case) -> list[User]:
    """Who takes the case team's next step: the team, and the officer who registered it."""
    people = team(case)
    creator = case.created_by
    if (
        creator is not None
        and creator.agency_id == case.agency_id
        and creator.has_role(Role.officer)
    ):
        people.append(creator)
    return people


def team_and_supervisors(case: Case) -> list[User]:
    return [*team(case), *supervisors(case)]


@dataclass(frozen=True)
class To:
    """A transition's hand-off: who acts next once the step is taken, and what to tell them."""

    recipients: Any
    text: Any


def announce_transition(case: Case, name: str, actor: User) -> None:
    """Called by `perform` after each step: the to-dos of the state left are done (whoever
    took the step), and whoever acts next hears of it."""
    from app.notifications.handoffs import HANDOFFS

    mark_case_done(case)
    event = f"case.{name}"
    if event in HANDOFFS:
        hand_off(event, case, actor=actor)


register_handoff(
    "case.register",
    text=_l("Case %(ref)s was registered: assign a team and start the preliminary review."),
    recipients=supervisors,
    todo=case_todo,
)
register_handoff(
    "case.assign_member",
    text=_l("You were added to the team of case %(ref)s: see what the case needs next."),
)
register_handoff(
    "case.record_defence",
    text=_l("The party's statement on case %(ref)s is recorded: issue the decision."),
    recipients=supervisors,
    todo=lambda case: f"{case_todo(case)}:decision",
)
register_handoff(
    "case.defence_lapsed",
    text=_l("The defence window of case %(ref)s has passed: issue the decision."),
    recipients=supervisors,
    todo=lambda case: f"{case_todo(case)}:decision",
)
register_handoff(
    "case.due_soon",
    text=_l("Case %(ref)s is due on %(due)s: take its next step in time."),
    recipients=team_and_supervisors,
    todo=case_todo,
)
register_handoff(
    "case.overdue",
    text=_l("Case %(ref)s is overdue since %(due)s: take its next step now."),
    recipients=team_and_supervisors,
    todo=case_todo,
)


# --- transfers ------------------------------------------------------------------------------
# The receiving agency cannot open the sender's case page: its supervisors act on the
# transfer's page. The notification names the agencies and references only, never the
# case's title, the reasons given or the complainant.


def transfer_link(transfer: CaseTransfer) -> dict:
    return {"endpoint": "cases.transfer_detail", "values": {"transfer_id": transfer.id}}


def _transfer_params(transfer: CaseTransfer) -> dict:
    return {
        "ref": transfer.sender_reference,
        "new": transfer.receiver_reference or "",
        "sender": agency_name(transfer.from_agency),
        "receiver": agency_name(transfer.to_agency),
    }


def transfer_todo(transfer: CaseTransfer) -> str:
    return f"transfer:{transfer.id}"


def _sender_side(transfer: CaseTransfer) -> list[User]:
    """The sending agency's supervisors and whoever sent the offer, while still there."""
    people = users_with_role(transfer.from_agency_id, Role.supervisor)
    sender = transfer.sent_by
    if sender is not None and sender.agency_id == transfer.from_agency_id:
        people.append(sender)
    return people


def _receiving_supervisors(transfer: CaseTransfer) -> list[User]:
    return users_with_role(transfer.to_agency_id, Role.supervisor)


register_handoff(
    "transfer.offered",
    text=_l(
        "%(sender)s offers case %(ref)s to your agency: a supervisor accepts or refuses the "
        "transfer."
    ),
    recipients=_receiving_supervisors,
    link=transfer_link,
    params=_transfer_params,
    todo=transfer_todo,
)
register_handoff(
    "transfer.accepted",
    text=_l("%(receiver)s accepted the transfer of case %(ref)s; it is now their case %(new)s."),
    recipients=_sender_side,
    link=transfer_link,
    params=_transfer_params,
)
# Back at the sender's preliminary review: its supervisors decide again, so the news is a
# to-do of that state, done when the case leaves it.
register_handoff(
    "transfer.refused",
    text=_l(
        "%(receiver)s refused the transfer of case %(ref)s; the case is back in your "
        "preliminary review: decide how it goes on."
    ),
    recipients=_sender_side,
    link=lambda transfer: case_link(transfer.case),
    params=_transfer_params,
    todo=lambda transfer: case_todo(transfer.case),
)
register_handoff(
    "transfer.withdrawn",
    text=_l("%(sender)s withdrew its transfer of case %(ref)s; nothing is left to answer."),
    recipients=_receiving_supervisors,
    link=transfer_link,
    params=_transfer_params,
)


def announce_offer(transfer: CaseTransfer, actor: User) -> None:
    hand_off("transfer.offered", transfer, actor=actor)


def announce_answer(transfer: CaseTransfer, event: str, actor: User) -> None:
    """An answer or a withdrawal takes the receiver's step, whoever of them takes it; an
    accepted case starts at `received` with the receiver, whose supervisors assign it."""
    mark_done(transfer_todo(transfer))
    hand_off(event, transfer, actor=actor)
    if event == "transfer.accepted":
        hand_off("case.register", transfer.case, actor=actor)
