"""A notification names what it is about on the notifications page: a task by its title,
a record by its subject, each with the case's reference. The mail and the stored text name
the case only, as what leaves the platform must (tests/notifications/test_handoffs.py)."""

from __future__ import annotations

from sqlalchemy import select

from app.cases.models import CaseState
from app.joint.services import act_on_task, create_task
from app.notifications.handoffs import render
from app.notifications.mail import compose
from app.notifications.models import Notification
from app.records.services import approve_record, draft_record, suggested_draft
from tests.ui_helpers import sign_in

TITLE = "询问合作作者王强"


def _notifications(db, user, kind: str) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)
        )
    )


def test_a_task_notification_names_the_task_and_its_case(db, joint, login, client):
    case, worker, lead = joint["case"], joint["js_officer"], joint["sh_officer"]
    task = create_task(
        case, lead, agency=joint["js_part"].agency, kind="interview", title=TITLE,
        description="", due_in_days=5, assignee=worker,
    )  # fmt: skip
    db.session.commit()
    page = login(worker).get("/notifications/").get_data(as_text=True)
    assert f"任务“{TITLE}”" in page and case.reference in page

    act_on_task(task, "accept", worker)
    act_on_task(task, "complete", worker, body="已询问")
    db.session.commit()
    reviewer = joint["sh_supervisor"]
    page = sign_in(client, reviewer).get("/notifications/").get_data(as_text=True)
    assert f"案件 {case.reference} 的任务“{TITLE}”已报告完成" in page
    (completed,) = _notifications(db, reviewer, "joint.task_completed")
    english = render(completed, "en", shown=True)
    assert english.startswith(f"The task “{TITLE}” of case {case.reference} was reported complete")

    (assigned,) = _notifications(db, worker, "joint.task_assigned")
    assert TITLE not in assigned.text  # the stored text, and the mail, name the case only
    worker.email = "worker@js.example"
    mail = compose(worker, [assigned], digest=False)
    assert TITLE not in mail.get_content() and TITLE not in mail["Subject"]
    assert case.reference in mail.get_content()


def test_a_notification_stored_before_it_named_the_task_still_reads(db, joint, login):
    case, worker = joint["case"], joint["js_officer"]
    create_task(
        case, joint["sh_officer"], agency=joint["js_part"].agency, kind="interview",
        title=TITLE, description="", due_in_days=5, assignee=worker,
    )  # fmt: skip
    (assigned,) = _notifications(db, worker, "joint.task_assigned")
    assigned.params = {k: v for k, v in assigned.params.items() if k != "task"}
    db.session.commit()
    page = login(worker).get("/notifications/").get_data(as_text=True)
    assert f"案件 {case.reference}" in page and "的一项任务已分配给您" in page


def test_a_record_is_named_by_its_subject_and_case(db, make_case, make_user, login, client):
    admin = make_user("SH", roles=("agency_admin",))
    js_supervisor = make_user("JS", roles=("supervisor",), locale="en")
    case = make_case(state=CaseState.decided)
    record = draft_record(case, case.created_by, suggested_draft(case, case.respondents[0]))
    db.session.commit()
    subject = case.respondents[0].name

    login(admin)
    notes = client.get("/notifications/").get_data(as_text=True)
    assert f"{subject} 的失信记录（案件 {case.reference}）已起草" in notes
    dashboard = client.get("/").get_data(as_text=True)
    queue = dashboard[dashboard.index('data-testid="queue-to_approve"') :]
    queue = queue[: queue.index("</table>")]
    assert f"{subject} · {case.reference}</a>" in queue and ">记录 " not in queue
    listing = client.get("/records").get_data(as_text=True)
    assert case.reference in listing[listing.index('data-testid="record-table"') :]

    approve_record(record, admin)
    db.session.commit()
    sign_in(client, js_supervisor)
    notes = client.get("/notifications/").get_data(as_text=True)
    assert f"integrity record of {subject} (case {case.reference})" in notes
    dashboard = client.get("/").get_data(as_text=True)
    queue = dashboard[dashboard.index('data-testid="queue-to_recognise"') :]
    assert f"{subject} · {case.reference}" in queue[: queue.index("</table>")]


def test_the_audit_log_names_a_record_by_its_subject_and_case(db, make_case, make_user, login):
    auditor = make_user("SH", roles=("auditor",))
    case = make_case(state=CaseState.decided)
    draft_record(case, case.created_by, suggested_draft(case, case.respondents[0]))
    db.session.commit()
    page = login(auditor).get("/audit?action=record.draft").get_data(as_text=True)
    assert f"{case.respondents[0].name} · {case.reference}" in page
