"""Hand-offs: a case walked through every step tells exactly whoever acts next, and nobody
else; a to-do leaves everyone's "to do" once anyone takes the step."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.cases.models import CaseState
from app.core.calendar import as_of
from app.demo import scenario
from app.notifications.models import Notification
from tests.conftest import scenario_actors, scenario_supervisor
from tests.review_support import refer


def _new_since(db, last_id: int) -> set[tuple[str, str]]:
    rows = db.session.execute(
        select(Notification.id, Notification.user_id, Notification.kind).where(
            Notification.id > last_id
        )
    ).all()
    from app.auth.models import User

    return {(db.session.get(User, user_id).username, kind) for _id, user_id, kind in rows}


def _last_id(db) -> int:
    return db.session.scalar(select(func.max(Notification.id))) or 0


# The members of the agency's standing panel (app.demo.conduct) a case is referred to.
PANEL = {f"sh-panel-{n}" for n in range(1, 8)}


def test_a_case_walked_through_every_step_tells_exactly_who_acts_next(db, make_user, make_case):
    officer = make_user("SH", roles=("officer",), username="sh-registering-officer")
    extra_sup = make_user("SH", roles=("supervisor",), username="sh-second-supervisor")
    admin = make_user("SH", roles=("agency_admin",), username="sh-admin")
    # Everyone who must hear nothing of this case.
    for code, roles, name in (
        ("SH", ("officer",), "sh-outsider"),
        ("SH", ("committee_member",), "sh-member"),
        ("SH", ("auditor",), "sh-auditor"),
        ("JS", ("supervisor",), "js-supervisor"),
        ("JS", ("officer",), "js-officer"),
        ("JS", ("agency_admin",), "js-admin"),
    ):
        make_user(code, roles=roles, username=name)
    start = _last_id(db)
    case = make_case(
        agency="SH", state=CaseState.received, by=officer, received_date=dt.date(2025, 3, 3)
    )
    actors = scenario_actors(case)
    assert _new_since(db, start) == {
        (extra_sup.username, "case.register")
    }  # no scenario supervisor yet
    sup = actors.get("supervisor")
    sups = {extra_sup.username, sup.username}
    lead_name, second_name = actors.get("lead").username, actors.get("investigator").username
    handlers = {lead_name, second_name, officer.username}
    expected = {
        "start_preliminary_review": {(u, "case.start_preliminary_review") for u in sups},
        "team": {(lead_name, "case.assign_member"), (second_name, "case.assign_member")},
        "open_investigation": {(u, "case.open_investigation") for u in (lead_name, second_name)},
        "submit_findings": {(u, "case.submit_findings") for u in sups},
        "refer_to_committee": {(u, "committee.referral") for u in PANEL},
        "committee": {(u, "case.review_endorse") for u in handlers},
        "defence": {(u, "case.record_defence") for u in sups},
        "issue_decision": {(u, "case.issue_decision") for u in handlers},
    }
    day = case.received_date
    for name, heard in expected.items():
        day += dt.timedelta(days=5)
        before = _last_id(db)
        with as_of(day):
            scenario.take(case, name, actors)
        # The actor never hears of their own step: the walk's supervisor acts on "team" etc.
        actor = {"team": sup.username, "open_investigation": sup.username}.get(name)
        assert _new_since(db, before) == {h for h in heard if h[0] != actor}, name
    before = _last_id(db)
    scenario.review(case, "modified", actors)
    assert _new_since(db, before) == {
        (u, "case.request_review") for u in sups - {officer.username}
    } | {(u, "case.decide_review") for u in handlers}
    from app.records.services import approve_record, draft_record, suggested_draft

    before = _last_id(db)
    record = draft_record(case, officer, suggested_draft(case, case.respondents[0]))
    assert _new_since(db, before) == {(admin.username, "record.drafted")}
    todo = db.session.scalar(select(Notification).where(Notification.kind == "record.drafted"))
    assert todo.is_todo
    before = _last_id(db)
    approve_record(record, admin)
    db.session.refresh(todo)
    assert not todo.is_todo
    # Published, it asks every other agency here to decide on recognition (JS's supervisor).
    assert _new_since(db, before) == {("js-supervisor", "record.published")}
    # Every to-do of a state the case has left is done, for whoever received it.
    open_todos = db.session.scalars(
        select(Notification).where(
            Notification.case_id == case.id,
            Notification.todo_key.is_not(None),
            Notification.done_at.is_(None),
        )
    ).all()
    assert {n.kind for n in open_todos} == {"case.decide_review", "record.published"}
    texts = db.session.scalars(select(Notification.text).where(Notification.case_id == case.id))
    for text in texts:
        assert "李娜" not in text and "13800000000" not in text  # never the complainant


def test_a_lapsed_defence_window_tells_the_supervisors(db, make_user, make_case):
    from app.cases.tasks import send_deadline_reminders

    case = make_case(agency="SH", state=CaseState.pre_decision_notice)
    sup = scenario_supervisor(case)
    case.defence_due = case.due_date = dt.date.today() - dt.timedelta(days=1)
    db.session.flush()
    before = _last_id(db)
    send_deadline_reminders()
    assert _new_since(db, before) == {(sup.username, "case.defence_lapsed")}
    send_deadline_reminders()
    assert _new_since(db, before) == {(sup.username, "case.defence_lapsed")}


def test_notifications_read_in_the_readers_language_with_the_link(
    db, make_user, make_case, login, client
):
    english = make_user("SH", roles=("supervisor",), locale="en")
    chinese = make_user("SH", roles=("supervisor",), locale="zh")
    case = make_case(agency="SH", state=CaseState.received)
    db.session.commit()
    login(english)
    page = client.get("/notifications/?todo=1").get_data(as_text=True)
    assert f"Case {case.reference} was registered: assign a team" in page
    assert f'href="/cases/{case.reference}"' in page
    client.post("/logout")
    login(chinese)
    page = client.get("/notifications/").get_data(as_text=True)
    assert f"案件 {case.reference} 已登记" in page


# --- transfers, joint investigations and committees declare theirs the same way -------------


def _supervisors(db, code: str) -> set[str]:
    from app.auth.models import Agency, Role, User, UserRole

    return set(
        db.session.scalars(
            select(User.username)
            .join(UserRole, UserRole.user_id == User.id)
            .join(Agency, Agency.id == User.agency_id)
            .where(Agency.code == code, UserRole.role == Role.supervisor, User.active.is_(True))
        )
    )


def _open_todos(db, kind: str) -> set[str]:
    from app.auth.models import User

    return set(
        db.session.scalars(
            select(User.username)
            .join(Notification, Notification.user_id == User.id)
            .where(
                Notification.kind == kind,
                Notification.todo_key.is_not(None),
                Notification.done_at.is_(None),
            )
        )
    )


@pytest.fixture
def bystanders(make_user):
    """Who must hear nothing of another agency's transfer or joint case."""
    for code, roles in (
        ("SH", ("officer",)),
        ("SH", ("auditor",)),
        ("SH", ("agency_admin",)),
        ("JS", ("officer",)),
        ("JS", ("auditor",)),
        ("ZJ", ("supervisor",)),
        ("ZJ", ("officer",)),
    ):
        make_user(code, roles=roles)


def test_a_transfer_tells_the_receiving_supervisors_then_the_sender(
    db, make_user, make_case, bystanders
):
    from app.cases.transfers import (
        accept_transfer,
        refuse_transfer,
        transfer_case,
        withdraw_transfer,
    )

    js_first = make_user("JS", roles=("supervisor",))
    make_user("JS", roles=("supervisor",))
    case = make_case("SH", state=CaseState.preliminary_review)
    sender = scenario_supervisor(case)
    sh_sups, js_sups = _supervisors(db, "SH"), _supervisors(db, "JS")
    assert len(js_sups) == 2

    def offer():
        return transfer_case(
            case,
            sender,
            target_agency="JS",
            reason="属地管辖",
            identity_travels=False,
            expected_version=None,
        )

    before = _last_id(db)
    transfer = offer()
    assert _new_since(db, before) == {(u, "transfer.offered") for u in js_sups}
    assert _open_todos(db, "transfer.offered") == js_sups

    before = _last_id(db)
    refuse_transfer(transfer, js_first, "不属本省管辖")
    # Answered by one supervisor: gone from every receiving supervisor's "to do".
    assert _open_todos(db, "transfer.offered") == set()
    # Back at the sender's preliminary review: its supervisors decide again (the sender
    # took the offer, so hears too; here the sender is one of the supervisors).
    assert _new_since(db, before) == {(u, "transfer.refused") for u in sh_sups}
    assert _open_todos(db, "transfer.refused") == sh_sups
    refused = db.session.scalars(
        select(Notification).where(Notification.kind == "transfer.refused")
    )
    assert all("不属本省管辖" not in n.text for n in refused)  # the reason is on the page only

    transfer = offer()
    assert _open_todos(db, "transfer.refused") == set()  # the sender decided again
    before = _last_id(db)
    withdraw_transfer(transfer, sender)
    assert _new_since(db, before) == {(u, "transfer.withdrawn") for u in js_sups}
    assert _open_todos(db, "transfer.offered") == set()

    transfer = offer()
    before = _last_id(db)
    accept_transfer(transfer, js_first)
    # The sender's side hears the new reference; the receiver's other supervisors now hold
    # a newly registered case to assign.
    assert _new_since(db, before) == {(u, "transfer.accepted") for u in sh_sups} | {
        (u, "case.register") for u in js_sups - {js_first.username}
    }
    assert _open_todos(db, "transfer.offered") == set()
    for n in db.session.scalars(select(Notification).where(Notification.kind.like("transfer.%"))):
        assert "李娜" not in n.text and case.title not in n.text


def test_a_joint_investigation_tells_each_agency_its_step_and_nobody_else(
    db, make_user, make_case, agency, bystanders
):
    import datetime as dt

    from app.core.calendar import today
    from app.joint.services import (
        accept_invitation,
        act_on_task,
        create_task,
        decline_invitation,
        end_joint,
        invite_agencies,
    )
    from app.joint.tasks import send_task_reminders

    js_sup = make_user("JS", roles=("supervisor",))
    js_named = make_user("JS", roles=("officer",))
    ah_sup = make_user("AH", roles=("supervisor",))
    case = make_case("SH", state=CaseState.investigating)
    lead_sup = scenario_supervisor(case)
    team = {m.user.username for m in case.members}
    sh_sups = _supervisors(db, "SH")
    lead_officer = case.members[0].user

    before = _last_id(db)
    js, ah = invite_agencies(case, [agency("JS"), agency("AH")], "请协助调查", lead_sup, None)
    assert _new_since(db, before) == {
        (u, "joint.invited") for u in _supervisors(db, "JS") | _supervisors(db, "AH")
    }

    before = _last_id(db)
    accept_invitation(js, [js_named], js_sup)
    assert _new_since(db, before) == {(u, "joint.accepted") for u in sh_sups} | {
        (js_named.username, "joint.joined")
    }
    before = _last_id(db)
    decline_invitation(ah, "本单位无管辖", ah_sup)
    assert _new_since(db, before) == {(u, "joint.declined") for u in sh_sups}
    assert _open_todos(db, "joint.invited") == set()  # both answered

    before = _last_id(db)
    task = create_task(
        case,
        lead_officer,
        agency=js.agency,
        kind="interview",
        title="询问合作作者",
        description="",
        due_in_days=5,
        assignee=js_named,
    )
    assert _new_since(db, before) == {(js_named.username, "joint.task_assigned")}
    act_on_task(task, "accept", js_named)
    before = _last_id(db)
    act_on_task(task, "complete", js_named, body="完成")
    reviewers = (team | sh_sups) - {js_named.username}
    assert _new_since(db, before) == {(u, "joint.task_completed") for u in reviewers}
    assert _open_todos(db, "joint.task_assigned") == set()  # reported: the step is taken
    before = _last_id(db)
    act_on_task(task, "send_back", lead_officer, body="请补充签字")
    assert _new_since(db, before) == {(js_named.username, "joint.task_sent_back")}
    assert _open_todos(db, "joint.task_completed") == set()

    # Nobody named: the assigned agency's supervisors and the officers it named take it up.
    unnamed = create_task(
        case,
        lead_officer,
        agency=js.agency,
        kind="obtain_records",
        title="调取记录",
        description="",
        due_in_days=5,
    )
    workers = _supervisors(db, "JS") | {js_named.username}
    assert _open_todos(db, "joint.task_assigned") == workers
    unnamed.due_date = today() - dt.timedelta(days=1)
    db.session.flush()
    before = _last_id(db)
    send_task_reminders()
    overdue = {(u, "joint.task_overdue") for u in workers | team}
    assert {h for h in _new_since(db, before) if h[1].startswith("joint.")} == overdue
    before = _last_id(db)
    send_task_reminders()
    assert not {h for h in _new_since(db, before) if h[1].startswith("joint.")}

    end_joint(case, "调查完毕", lead_sup)
    for kind in ("joint.task_assigned", "joint.task_sent_back", "joint.task_overdue"):
        assert _open_todos(db, kind) == set(), kind
    for n in db.session.scalars(select(Notification).where(Notification.kind.like("joint.%"))):
        for secret in ("请协助调查", "询问合作作者", "调取记录", "李娜", case.title):
            assert secret not in n.text


def test_a_lapsed_invitation_leaves_the_to_do_list(db, make_user, make_case, agency):
    import datetime as dt

    from app.core.calendar import today
    from app.joint.services import expire_invitations, invite_agencies

    make_user("JS", roles=("supervisor",))
    case = make_case("SH", state=CaseState.investigating)
    (p,) = invite_agencies(case, [agency("JS")], "请协助", scenario_supervisor(case), None)
    assert _open_todos(db, "joint.invited") == _supervisors(db, "JS")
    p.respond_by = today() - dt.timedelta(days=1)
    db.session.flush()
    assert expire_invitations() == 1
    assert _open_todos(db, "joint.invited") == set()


def test_the_screen_goes_to_the_chair_and_a_recusal_to_the_member_alone(db, make_user, make_case):
    from app.committees.permissions import acting_chair
    from app.committees.reviews import dismiss_screen, recuse_member
    from app.demo.conduct import standing_panel

    officer = make_user("SH", roles=("officer",))
    case = make_case(state=CaseState.findings, by=officer)
    panel = standing_panel(case.agency)
    for seat in panel.seats[1:3]:
        seat.expert.institution = case.respondents[0].institution
    before = _last_id(db)
    review = refer(case, officer, panel, "问")
    chair = acting_chair(review).seat.expert.user
    assert _new_since(db, before) == {(u, "committee.referral") for u in PANEL} | {
        (chair.username, "committee.screening")
    }
    first, second = [m for m in review.members if m.screened_conflict]
    recused = first.seat.expert.user
    before = _last_id(db)
    recuse_member(chair, review, first.id, "同一单位")
    assert _new_since(db, before) == {(recused.username, "committee.recused")}
    # The recused member has nothing left to do; the others still declare and vote.
    assert _open_todos(db, "committee.referral") == PANEL - {recused.username}
    assert _open_todos(db, "committee.screening") == {chair.username}  # one proposal left
    before = _last_id(db)
    dismiss_screen(chair, review, second.id, "不同院系")
    assert _new_since(db, before) == set()
    assert _open_todos(db, "committee.screening") == set()
    for n in db.session.scalars(select(Notification).where(Notification.kind.like("committee.%"))):
        assert case.respondents[0].institution not in n.text
        assert case.respondents[0].name not in n.text


def test_one_notification_reads_in_each_readers_language(
    db, make_user, make_case, agency, login, client
):
    from app.joint.services import invite_agencies

    english = make_user("JS", roles=("supervisor",), locale="en")
    chinese = make_user("JS", roles=("supervisor",), locale="zh")
    case = make_case("SH", state=CaseState.investigating)
    invite_agencies(case, [agency("JS")], "请协助", scenario_supervisor(case), None)
    due = db.session.scalar(select(Notification.params).where(Notification.user_id == english.id))[
        "due"
    ]
    db.session.commit()
    login(english)
    page = client.get("/notifications/?todo=1").get_data(as_text=True)
    sh = agency("SH")
    assert (
        f"{sh.name_en} invites your agency to the joint investigation of case {case.reference}: "
        f"a supervisor answers by {due}."
    ) in page
    assert 'href="/joint#invitations"' in page and sh.name_zh not in page
    client.post("/logout")
    login(chinese)
    page = client.get("/notifications/?todo=1").get_data(as_text=True)
    assert f"{sh.name_zh} 邀请本机构参加案件 {case.reference} 的联合调查" in page
    assert sh.name_en not in page


def test_an_invitation_taken_back_leaves_the_to_do_list(db, make_user, make_case, agency):
    from app.joint.services import invite_agencies, remove_participant

    make_user("JS", roles=("supervisor",))
    case = make_case("SH", state=CaseState.investigating)
    lead = scenario_supervisor(case)
    (p,) = invite_agencies(case, [agency("JS")], "请协助", lead, None)
    assert _open_todos(db, "joint.invited") == _supervisors(db, "JS")
    remove_participant(p, "无需协助", lead)
    assert _open_todos(db, "joint.invited") == set()
