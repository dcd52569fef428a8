"""Hand-offs after acceptance: each step leaves a to-do with whoever acts next (members,
re-review experts, the authority, the office, the applicant) and ends it when taken; the
follow-up reminders go out once before the report falls due and once when overdue."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.core.calendar import as_of, today
from app.ethics import appeals, followup, reviewing, services
from app.ethics import rereview as rr
from app.ethics.queues import remind_followups
from app.notifications.models import Notification
from tests.ethics.conftest import accepted, filled
from tests.ethics.test_rereview import _choices, _pool, _preliminary


def _open(db, user, kind=None) -> list[Notification]:
    query = select(Notification).where(
        Notification.user_id == user.id,
        Notification.todo_key.is_not(None),
        Notification.done_at.is_(None),
    )
    if kind:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query))


def _told(db, user, kind) -> int:
    return len(
        list(
            db.session.scalars(
                select(Notification).where(
                    Notification.user_id == user.id, Notification.kind == kind
                )
            )
        )
    )


def _meeting(world, application, decision="approve"):
    reviewing.propose(world.office, application, decision)
    present = []
    for user in world.members[:5]:
        reviewing.declare(user, application, False)
        reviewing.vote(user, application, "endorse")
        present.append(reviewing.member_of(application, user).id)
    reviewing.record_attendance(world.office, application, present)
    reviewing.close_review(world.office, application, "理由")


def test_members_are_asked_to_declare_then_to_vote_and_the_applicant_hears(db, world):
    application = accepted(world)
    first, second, consultant = world.members[0], world.members[1], world.consultant
    assert _open(db, first, "ethics.declare") and _open(db, consultant, "ethics.declare")
    assert not _open(db, world.applicant, "ethics.declare")
    reviewing.declare(first, application, False)
    assert not _open(db, first, "ethics.declare") and _open(db, second, "ethics.declare")
    reviewing.declare(consultant, application, False)
    reviewing.propose(world.office, application, "approve")
    assert len(_open(db, first, "ethics.vote")) == 1
    assert not _open(db, second, "ethics.vote")  # not declared yet
    assert not _open(db, consultant, "ethics.vote")  # consultants never vote
    reviewing.declare(second, application, False)
    assert len(_open(db, second, "ethics.vote")) == 1
    assert len(_open(db, first, "ethics.vote")) == 1  # not asked twice
    reviewing.vote(first, application, "endorse")
    assert not _open(db, first, "ethics.vote")
    reviewing.declare(world.members[4], application, True, "合作者")  # recused: nothing to do
    assert not _open(db, world.members[4])
    voters = (second, world.members[2], world.members[3], world.members[5])
    for user in voters[1:]:
        reviewing.declare(user, application, False)
    for user in voters:
        reviewing.vote(user, application, "endorse")
    present = [reviewing.member_of(application, u).id for u in (first, *voters)]
    reviewing.record_attendance(world.office, application, present)
    reviewing.close_review(world.office, application, "风险可控")
    assert _told(db, world.applicant, "ethics.decided") == 1
    assert not _open(db, world.members[6])  # the meeting's to-dos ended with the decision


def test_only_the_named_members_of_a_simplified_review_are_asked(db, world):
    application = filled(world)
    services.submit_application(world.applicant, application)
    services.accept_application(world.office, application, "simplified")
    seats = [s for s in world.panel.seats if s.expert.user in world.members[1:3]]
    reviewing.open_review(application, [s.id for s in seats])
    assert _open(db, world.members[1], "ethics.declare")
    assert _open(db, world.members[2], "ethics.declare")
    assert not _open(db, world.members[3], "ethics.declare")
    reviewing.declare(world.members[1], application, False)
    reviewing.send_to_meeting(world.members[1], application, "需要会议审查")
    assert _open(db, world.members[3], "ethics.declare")  # the meeting's members now


def test_rereview_hands_off_to_the_authority_the_experts_and_the_office(db, world, make_user):
    pool = _pool(world, make_user)
    application = _preliminary(world, db)
    assert _open(db, world.applicant, "ethics.preliminary")
    review = rr.file_rereview(world.applicant, application)
    db.session.flush()
    assert not _open(db, world.applicant, "ethics.preliminary")
    assert _open(db, world.supervisor, "ethics.rereview_filed")
    assert not _open(db, world.other_province, "ethics.rereview_filed")
    rr.form_panel(world.supervisor, review, _choices(pool))
    assert not _open(db, world.supervisor, "ethics.rereview_filed")
    assert _open(db, pool[0].user, "ethics.rereview_answer")
    assert _open(db, pool[4].user, "ethics.rereview_seat")  # Jiangsu accepts first
    assert not _open(db, pool[4].user, "ethics.rereview_answer")
    for expert in pool[4:]:
        rr.answer_seat(expert.user, review, True)
    assert not _open(db, pool[4].user, "ethics.rereview_seat")
    assert _open(db, pool[4].user, "ethics.rereview_answer")
    rr.declare(pool[5].user, review, True, "同一课题组")
    assert not _open(db, pool[5].user)
    for expert in pool[:5]:
        rr.declare(expert.user, review, False)
        rr.vote(expert.user, review, "agree", "同意")
        assert not _open(db, expert.user)
    rr.close_rereview(world.supervisor, review, "同意")
    assert _open(db, world.office, "ethics.rereview_done")
    rr.issue_after_rereview(world.office, application, "复核同意")
    assert not _open(db, world.office)
    assert _told(db, world.applicant, "ethics.decided") == 1


def test_an_appeal_goes_to_the_office_and_its_answer_to_the_applicant(db, world):
    application = accepted(world)
    _meeting(world, application, "disapprove")
    appeals.lodge_appeal(world.applicant, application, "理由不充分")
    assert _open(db, world.office, "ethics.appeal")
    appeals.answer_appeal(world.office, application, False, "维持原决定")
    assert not _open(db, world.office, "ethics.appeal")
    assert _told(db, world.applicant, "ethics.appeal_answered") == 1


def test_followup_reminders_once_before_due_and_when_overdue(db, world):
    application = accepted(world)
    _meeting(world, application)
    with as_of(today() - dt.timedelta(days=20)):
        followup.set_interval(world.office, application, 1)  # due in about ten days
    assert remind_followups() == {"due": 1, "overdue": 0}
    assert remind_followups() == {"due": 0, "overdue": 0}  # a re-run sends nothing twice
    assert _open(db, world.applicant, "ethics.followup_due")
    assert not _open(db, world.office, "ethics.followup_due")
    later = application.followup_due + dt.timedelta(days=1)
    assert remind_followups(later) == {"due": 0, "overdue": 2}
    assert _open(db, world.office, "ethics.followup_overdue")
    followup.file_followup(world.applicant, application, "report", "进展顺利")
    assert not _open(db, world.applicant) and not _open(db, world.office, "ethics.followup_due")
    assert _told(db, world.office, "ethics.followup_filed") == 1
    followup.stop_activity(world.office, application, True, "严重不良事件")
    assert _told(db, world.applicant, "ethics.activity_stopped") == 1
    assert remind_followups(later + dt.timedelta(days=400)) == {"due": 0, "overdue": 0}


def test_the_reminders_are_a_periodic_job(db, world):
    from app.ethics.tasks import send_followup_reminders
    from app.jobs.schedule import PERIODIC

    assert "app.ethics.tasks.send_followup_reminders" in {p.func for p in PERIODIC}
    assert send_followup_reminders() == {"due": 0, "overdue": 0}


def test_a_member_the_office_recuses_has_nothing_left_to_do(db, world):
    application = accepted(world)
    member = reviewing.member_of(application, world.members[6])
    assert _open(db, world.members[6], "ethics.declare")
    reviewing.recuse(world.office, application, member.id, "与申请人有合作关系")
    assert not _open(db, world.members[6])
    assert _open(db, world.members[5], "ethics.declare")  # the others still have theirs
