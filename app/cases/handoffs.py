"""Who must act next on a case: the recipients the workflow's hand-offs name, and the
hand-offs of the steps that are not transitions (registration, the team, the defence, the
deadlines). The transitions declare theirs in app/cases/workflow.py (`handoff=`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from app.auth.models import Role, User
from app.cases.models import Case
from app.notifications.handoffs import (
    case_todo,
    hand_off,
    mark_case_done,
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
