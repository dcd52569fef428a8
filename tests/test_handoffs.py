"""Hand-offs: a case walked through every step tells exactly whoever acts next, and nobody
else; a to-do leaves everyone's "to do" once anyone takes the step."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from app.cases import scenario
from app.cases.models import CaseState
from app.core.calendar import as_of
from app.notifications.models import Notification
from tests.conftest import scenario_actors, scenario_supervisor


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


# The members of the agency's standing panel (app.committees.conduct) a case is referred to.
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
    from app.jobs.reminders import send_deadline_reminders

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
