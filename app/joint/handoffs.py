"""Who must act next in a joint investigation: an invited agency's supervisors answer, the
lead hears the answers, the agency given a task carries it out and reports, and the lead's
case team reviews what was reported.

Each to-do key starts with `joint:<case id>:`, so ending the joint investigation ends them
all at once. The notifications name the case's reference, the agencies and the dates,
never the invitation's message or anything of the case's content; a task's notification
names the task by its title on the notifications page (its recipients may open the task),
never in the mail.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.models import Role, User
from app.cases.handoffs import team, team_and_supervisors
from app.extensions import db
from app.joint.models import Participation, ParticipationStatus, Task
from app.notifications.handoffs import (
    agency_name,
    case_link,
    hand_off,
    mark_done,
    register_handoff,
    users_with_role,
)


def joint_todos(case_id: int) -> str:
    return f"joint:{case_id}:"


def invitation_todo(participation: Participation) -> str:
    return f"{joint_todos(participation.case_id)}invite:{participation.id}"


def task_todos(task: Task) -> str:
    return f"{joint_todos(task.case_id)}task:{task.id}:"


def _participation_params(p: Participation) -> dict:
    return {
        "ref": p.case.reference,
        "lead": agency_name(p.case.agency),
        "agency": agency_name(p.agency),
        "due": p.respond_by.isoformat(),
    }


def _task_params(task: Task) -> dict:
    return {
        "ref": task.case.reference,
        "lead": agency_name(task.case.agency),
        "due": task.due_date.isoformat(),
        "task": task.title,
    }


def _to_joint_section(p: Participation) -> dict:
    return case_link(p.case, "joint")


def _task_link(task: Task) -> dict:
    return {"endpoint": "joint.task", "values": {"task_id": task.id}}


def _lead_supervisors(p: Participation) -> list[User]:
    return users_with_role(p.case.agency_id, Role.supervisor)


def task_workers(task: Task) -> list[User]:
    """Who carries the task out: its officer, or else the agency's supervisors and the
    officers it named for the case (any of whom may take it up)."""
    if task.assignee is not None:
        return [task.assignee] if task.assignee.agency_id == task.agency_id else []
    people = users_with_role(task.agency_id, Role.supervisor)
    taking_part = db.session.scalar(
        select(Participation).where(
            Participation.case_id == task.case_id,
            Participation.agency_id == task.agency_id,
            Participation.status == ParticipationStatus.accepted,
        )
    )
    if taking_part is not None:
        people += [o.user for o in taking_part.officers]
    return people


register_handoff(
    "joint.invited",
    text=_l(
        "%(lead)s invites your agency to the joint investigation of case %(ref)s: a "
        "supervisor answers by %(due)s."
    ),
    recipients=lambda p: users_with_role(p.agency_id, Role.supervisor),
    link=lambda p: {"endpoint": "joint.index", "values": {}, "anchor": "invitations"},
    params=_participation_params,
    todo=invitation_todo,
)
register_handoff(
    "joint.accepted",
    text=_l("%(agency)s takes part in the joint investigation of case %(ref)s."),
    recipients=_lead_supervisors,
    link=_to_joint_section,
    params=_participation_params,
)
register_handoff(
    "joint.declined",
    text=_l("%(agency)s declined the invitation to the joint investigation of case %(ref)s."),
    recipients=_lead_supervisors,
    link=_to_joint_section,
    params=_participation_params,
)
register_handoff(
    "joint.withdrew",
    text=_l("%(agency)s withdrew from the joint investigation of case %(ref)s."),
    recipients=_lead_supervisors,
    link=_to_joint_section,
    params=_participation_params,
)
register_handoff(
    "joint.joined",
    text=_l(
        "Your agency takes part in the joint investigation of case %(ref)s led by "
        "%(lead)s, and named you for it."
    ),
    recipients=lambda p: [o.user for o in p.officers],
    link=_to_joint_section,
    params=_participation_params,
)
register_handoff(
    "joint.task_assigned",
    text=_l("A task of case %(ref)s (%(lead)s) is assigned to you: report by %(due)s."),
    shown=_l(
        "The task “%(task)s” of case %(ref)s (%(lead)s) is assigned to you: report by %(due)s."
    ),
    recipients=task_workers,
    link=_task_link,
    params=_task_params,
    todo=lambda task: task_todos(task) + "work",
)
register_handoff(
    "joint.task_completed",
    text=_l("A task of case %(ref)s was reported complete: review it, close it or send it back."),
    shown=_l(
        "The task “%(task)s” of case %(ref)s was reported complete: review it, close it or "
        "send it back."
    ),
    recipients=lambda task: team_and_supervisors(task.case),
    link=_task_link,
    params=_task_params,
    todo=lambda task: task_todos(task) + "review",
)
register_handoff(
    "joint.task_sent_back",
    text=_l("A task of case %(ref)s was sent back to you: complete it by %(due)s."),
    shown=_l("The task “%(task)s” of case %(ref)s was sent back to you: complete it by %(due)s."),
    recipients=task_workers,
    link=_task_link,
    params=_task_params,
    todo=lambda task: task_todos(task) + "work",
)
register_handoff(
    "joint.task_overdue",
    text=_l("A joint-investigation task of case %(ref)s is overdue since %(due)s."),
    shown=_l("The task “%(task)s” of case %(ref)s is overdue since %(due)s."),
    link=_task_link,
    params=_task_params,
)


def announce_invitation(p: Participation, actor: User) -> None:
    hand_off("joint.invited", p, actor=actor)


def announce_answer(p: Participation, actor: User) -> None:
    """The invitation is answered for the agency, whichever supervisor answered."""
    mark_done(invitation_todo(p))
    if p.status == ParticipationStatus.accepted:
        hand_off("joint.accepted", p, actor=actor)
        hand_off("joint.joined", p, actor=actor)
    else:
        hand_off("joint.declined", p, actor=actor)


def announce_lapsed(participations: list[Participation]) -> None:
    for p in participations:
        mark_done(invitation_todo(p))


def announce_left(p: Participation, actor: User, tasks: list[Task]) -> None:
    """An agency no longer taking part has nothing left to answer or carry out."""
    mark_done(invitation_todo(p))
    for task in tasks:
        if task.agency_id == p.agency_id:
            mark_done(task_todos(task), prefix=True)
    if p.status == ParticipationStatus.withdrawn:
        hand_off("joint.withdrew", p, actor=actor)


def announce_end(case_id: int) -> None:
    mark_done(joint_todos(case_id), prefix=True)


def announce_task(task: Task, actor: User) -> None:
    hand_off("joint.task_assigned", task, actor=actor)


def announce_task_step(task: Task, step: str, actor: User) -> None:
    """A report of completion is the workers' step taken; the lead's review follows. A
    closed or returned task leaves the lead's "to do"."""
    if step == "complete":
        mark_done(task_todos(task) + "work")
        hand_off("joint.task_completed", task, actor=actor)
    elif step == "send_back":
        mark_done(task_todos(task) + "review")
        hand_off("joint.task_sent_back", task, actor=actor)
    elif step == "close":
        mark_done(task_todos(task), prefix=True)


def remind_overdue(task: Task, day) -> int:
    """Once a day per overdue task and person: the workers (a to-do until they report) and
    the leading case team (news: the lead follows it up)."""
    key = f"task_overdue:{task.id}:{day.isoformat()}"
    workers = task_workers(task)
    sent = hand_off(
        "joint.task_overdue", task, to=workers, dedupe=key, todo=task_todos(task) + "work"
    )
    known = {u.id for u in workers}
    lead = [u for u in team(task.case) if u.id not in known]
    sent += hand_off("joint.task_overdue", task, to=lead, dedupe=key)
    return len(sent)
