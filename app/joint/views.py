"""Joint-investigation pages: the agency's joint page, the case-page section, the forms."""

from __future__ import annotations

import datetime as dt

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.auth.models import Agency, Role, User
from app.cases.models import Case
from app.cases.page import refused_on_case_page
from app.cases.permissions import can_handle, get_case_or_404
from app.cases.services import active_agencies_except
from app.core.errors import InvalidInput
from app.core.ids import db_int
from app.core.pages import run_step
from app.evidence.services import Upload
from app.extensions import db
from app.joint import bp
from app.joint.models import Participation, ParticipationStatus, Task, TaskKind
from app.joint.permissions import (
    JOINABLE_STATES,
    get_participation_or_404,
    get_task_or_404,
    may_answer,
    may_lead,
    may_work_on,
    participation_of,
)
from app.joint.queries import (
    joint_page_data,
    my_open_tasks,
    pending_invitations,
    shared_timeline,
)
from app.joint.services import (
    accept_invitation,
    act_on_task,
    create_task,
    decline_invitation,
    end_joint,
    expire_invitations,
    invite_agencies,
    joint_of,
    overdue_tasks,
    remove_participant,
    tasks_of,
    withdraw_participation,
)


def joint_for_case(case: Case, user) -> dict:
    """What the case-page section shows and offers to this user."""
    expire_invitations(case.id)
    joint = joint_of(case)
    lead = may_lead(user, case)
    own = user.agency_id == case.agency_id
    participations = list(joint.participations) if joint else []
    if not own:
        participations = [p for p in participations if p.status == ParticipationStatus.accepted]
    mine = participation_of(user, case)
    accepted = [p for p in participations if p.status == ParticipationStatus.accepted]
    tasks = tasks_of(case) if (own or mine) else []
    return {
        "joint": joint,
        "active": joint is not None and joint.active,
        "participations": participations,
        "accepted": accepted,
        "tasks": tasks,
        "may_invite": lead and case.state in JOINABLE_STATES and not case.is_terminal,
        "may_lead": lead,
        "may_assign": can_handle(user, case) and bool(accepted) and not case.is_terminal,
        "mine": mine,
        "may_withdraw": mine is not None and may_answer(user, mine),
        "agencies": active_agencies_except(case.agency_id) if lead else [],
        "kinds": list(TaskKind),
        "shared_timeline": shared_timeline(case, user) if not own else None,
    }


def joint_dashboard(user: User) -> dict:
    """The dashboard's joint part: the user's own open tasks (from the moment they are
    assigned), overdue tasks of cases this user sees, assigned by or to their agency, and
    for a supervisor the invitations waiting for the agency's answer."""
    return {
        "mine": my_open_tasks(user),
        "overdue": overdue_tasks(user.agency_id, visible_to=user),
        "invitations": pending_invitations(user),
    }


def _on_case(case: Case, action, *, form: str, done: str):
    """A step from the joint section of the case page; refused, that page again."""
    return run_step(
        action,
        refused=refused_on_case_page(case.reference, form),
        to=_case_back(case),
        done=done,
        page_shows_error=True,
    )


def _index_page():
    expire_invitations()
    data = joint_page_data(current_user)
    db.session.commit()
    return render_template("joint/index.html", **data)


@bp.get("/joint")
@login_required
def index():
    if not current_user.has_role(Role.officer, Role.supervisor):
        abort(403)
    return _index_page()


def _case_back(case: Case) -> str:
    return url_for("cases.detail", reference=case.reference) + "#joint"


def _date(name: str) -> dt.date | None:
    value = request.form.get(name) or ""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(_("Enter the date as YYYY-MM-DD."), field=name) from None


@bp.post("/cases/<reference>/joint/invite")
@login_required
def invite(reference: str):
    case = get_case_or_404(reference, current_user, need="supervise")
    codes = request.form.getlist("agencies")
    agencies = db.session.scalars(select(Agency).where(Agency.code.in_(codes))).all()

    def action():
        if len(agencies) != len(set(codes)):
            raise InvalidInput(_("Choose agencies from the list."), field="agencies")
        invite_agencies(
            case, list(agencies), request.form.get("message", ""), current_user, _date("respond_by")
        )

    return _on_case(case, action, form="joint-invite", done=_("The invitations were sent."))


@bp.post("/cases/<reference>/joint/end")
@login_required
def end(reference: str):
    case = get_case_or_404(reference, current_user, need="supervise")
    return _on_case(
        case,
        lambda: end_joint(case, request.form.get("reason", ""), current_user),
        form="joint-end",
        done=_("The joint investigation ended; the participants no longer see the case."),
    )


def _participation_or_404(participation_id: int) -> Participation:
    return get_participation_or_404(participation_id, current_user)


@bp.post("/joint/invitations/<int:participation_id>/answer")
@login_required
def answer(participation_id: int):
    p = _participation_or_404(participation_id)
    if not may_answer(current_user, p):
        abort(403)
    choice = request.form.get("answer")
    ids = [db_int(v) for v in request.form.getlist("officers") if v.isdigit()]

    def action():
        if choice == "accept":
            officers = db.session.scalars(select(User).where(User.id.in_(ids))).all()
            return accept_invitation(p, list(officers), current_user)
        if choice == "decline":
            return decline_invitation(p, request.form.get("reason", ""), current_user)
        raise InvalidInput(_("Choose to accept or decline."))

    accepted = choice == "accept"
    return run_step(
        action,
        refused=lambda err: _index_page(),
        to=url_for("cases.detail", reference=p.case.reference)
        if accepted
        else url_for("joint.index"),
        done=_("You accepted the invitation; the named officers now see the case.")
        if accepted
        else _("You declined the invitation."),
    )


@bp.post("/joint/participations/<int:participation_id>/remove")
@login_required
def remove(participation_id: int):
    p = _participation_or_404(participation_id)
    if not may_lead(current_user, p.case):
        abort(403)
    return _on_case(
        p.case,
        lambda: remove_participant(p, request.form.get("reason", ""), current_user),
        form="joint-remove",
        done=_("The agency no longer takes part."),
    )


@bp.post("/joint/participations/<int:participation_id>/withdraw")
@login_required
def withdraw(participation_id: int):
    p = _participation_or_404(participation_id)
    if not may_answer(current_user, p):
        abort(403)
    return run_step(
        lambda: withdraw_participation(p, request.form.get("reason", ""), current_user),
        refused=lambda err: _index_page(),
        to=url_for("joint.index"),
        done=_("Your agency withdrew from the joint investigation."),
    )


@bp.post("/cases/<reference>/tasks")
@login_required
def new_task(reference: str):
    case = get_case_or_404(reference, current_user, need="edit")
    agency = db.session.scalar(select(Agency).where(Agency.code == request.form.get("agency", "")))
    assignee = db.session.get(User, request.form.get("assignee", type=db_int) or 0)
    days = request.form.get("due_in_days", type=db_int)
    return _on_case(
        case,
        lambda: create_task(
            case,
            current_user,
            agency=agency,
            kind=request.form.get("kind", ""),
            title=request.form.get("title", ""),
            description=request.form.get("description", ""),
            due_in_days=days,
            assignee=assignee,
        ),
        form="joint-task",
        done=_("The task was assigned."),
    )


def _task_or_404(task_id: int) -> Task:
    return get_task_or_404(task_id, current_user)


@bp.get("/joint/tasks/<int:task_id>")
@login_required
def task(task_id: int):
    return _task_page(_task_or_404(task_id))


def _task_page(t: Task):
    return render_template(
        "joint/task.html",
        task=t,
        case=t.case,
        may_work=may_work_on(current_user, t) and not t.case.is_terminal,
        may_review=can_handle(current_user, t.case) and not t.case.is_terminal,
    )


@bp.post("/joint/tasks/<int:task_id>/<step>")
@login_required
def task_step(task_id: int, step: str):
    t = _task_or_404(task_id)
    file = request.files.get("attachment")
    upload = Upload(file.stream, file.filename) if file and file.filename else None
    return run_step(
        lambda: act_on_task(
            t, step, current_user, body=request.form.get("body", ""), upload=upload
        ),
        refused=lambda err: _task_page(_task_or_404(task_id)),
        to=url_for("joint.task", task_id=task_id),
        done=_("Saved."),
    )
