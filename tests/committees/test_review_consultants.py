"""Consultants on a review: told of the referral, declare like members, read the package,
give an advisory opinion, have their attendance recorded — and never vote or count."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.cases.models import CaseState, HistoryEntry
from app.committees.models import Expert, PanelSeat, SeatStatus
from app.committees.permissions import acting_chair
from app.committees.reviews import (
    cast_vote,
    close_review,
    declare,
    record_meeting,
    tally_of,
    write_advice,
)
from app.committees.rules import Category, Gender, SeatRole
from app.core.audit import AuditEntry
from app.core.calendar import today
from app.core.errors import GuardFailed, InvalidInput
from app.demo.conduct import conduct_review, standing_panel
from app.notifications.models import Notification
from tests.conftest import password_hash
from tests.review_support import refer
from tests.ui_helpers import sign_in, text


def seat_consultant(db, panel, make_user) -> PanelSeat:
    user = make_user(panel.agency.code, roles=("committee_member",))
    expert = Expert(
        agency=panel.agency,
        name="咨询专家甲",
        institution="某伦理研究院",
        categories=[Category.ethics.value],
        gender=Gender.female,
        user=user,
    )
    seat = PanelSeat(
        panel=panel,
        expert=expert,
        role=SeatRole.consultant,
        category=Category.ethics,
        term_start=today() - dt.timedelta(days=30),
        term_end=today() + dt.timedelta(days=700),
        status=SeatStatus.active,
    )
    db.session.add(seat)
    db.session.flush()
    db.session.expire(panel, ["seats"])
    return seat


@pytest.fixture
def review(db, make_case, make_user):
    """An open review of a panel of seven voting members and one consultant (the last row)."""
    officer = make_user("SH", roles=("officer",))
    case = make_case(state=CaseState.findings, by=officer)
    panel = standing_panel(case.agency)
    seat_consultant(db, panel, make_user)
    return refer(case, officer, panel)


def consultant_of(review):
    return next(m for m in review.members if m.role is SeatRole.consultant)


def signable(user):
    user.password_hash = password_hash()
    return user


def votes_all(review, choice="endorse"):
    for member in review.members:
        user = member.seat.expert.user
        declare(user, review, "none")
        if member.role is SeatRole.consultant:
            write_advice(user, review, "建议关注原始数据的保存情况。")
        else:
            cast_vote(user, review, choice, "同意")


def test_the_consultant_has_a_part_in_the_review_and_is_told_of_it(db, review):
    consultant = consultant_of(review)
    assert len(review.members) == 8
    assert consultant.recused is False and consultant.declared_at is None
    told = db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(
            Notification.kind == "committee.referral",
            Notification.user_id == consultant.seat.expert.user_id,
        )
    )
    assert told == 1
    # The panel's rules still count seven voting members: the consultant is no eighth.
    refer = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "committee.refer"))
    assert refer.details["members"] == 7 and refer.details["consultants"] == 1


def test_a_consultant_vote_is_refused_and_changes_nothing(db, review):
    consultant = consultant_of(review)
    user = consultant.seat.expert.user
    declare(user, review, "none")
    with pytest.raises(GuardFailed) as caught:
        cast_vote(user, review, "endorse", "同意")
    assert caught.value.code == "consultant_no_vote"
    assert consultant.choice is None and consultant.opinion is None
    assert not db.session.scalar(select(func.count()).where(AuditEntry.action == "committee.vote"))
    todo = db.session.scalar(
        select(Notification).where(
            Notification.user_id == user.id, Notification.kind == "committee.referral"
        )
    )
    assert todo.is_todo  # the referral waits for the consultant's advice
    write_advice(user, review, "建议补充调取原始实验记录。")
    db.session.refresh(todo)
    assert not todo.is_todo
    write_advice(user, review, "建议补充调取原始实验记录并核对。")
    assert consultant.opinion.endswith("核对。") and consultant.vote_changes == 1
    assert consultant.choice is None
    actions = db.session.scalars(
        select(HistoryEntry.action).where(HistoryEntry.action.like("review_advice%"))
    ).all()
    assert sorted(actions) == ["review_advice", "review_advice_changed"]
    member = review.members[1].seat.expert.user
    declare(member, review, "none")
    with pytest.raises(GuardFailed) as caught:
        write_advice(member, review, "意见")
    assert caught.value.code == "not_consultant"


def test_a_consultant_declares_first_and_is_recorded_absent_or_present(db, review):
    consultant = consultant_of(review)
    user = consultant.seat.expert.user
    with pytest.raises(GuardFailed) as caught:
        write_advice(user, review, "意见")
    assert caught.value.code == "not_declared"
    chair = acting_chair(review).seat.expert.user
    voters = {m.id: "present" for m in review.members if m.role is not SeatRole.consultant}
    with pytest.raises(InvalidInput):  # the consultant's attendance is on the record
        record_meeting(chair, review, voters, "纪要")
    record_meeting(chair, review, {**voters, consultant.id: "absent"}, "纪要")
    assert consultant.attendance.value == "absent"
    declare(user, review, "none")
    with pytest.raises(GuardFailed):
        write_advice(user, review, "缺席时的意见")


def test_the_consultant_never_counts_towards_quorum_or_majority(db, review):
    votes_all(review)
    chair = acting_chair(review).seat.expert.user
    consultant = consultant_of(review)
    voting = [m for m in review.members if m.role is not SeatRole.consultant]
    # Four voting members and the consultant present: five people, no quorum of five.
    attendance = {m.id: "absent" for m in voting}
    for m in voting[:4]:
        attendance[m.id] = "present"
    attendance[consultant.id] = "present"
    record_meeting(chair, review, attendance, "纪要")
    tally = tally_of(review)
    assert tally.present == 4 and tally.reason == "no_quorum"
    with pytest.raises(GuardFailed) as caught:
        close_review(chair, review)
    assert caught.value.code == "no_quorum"
    record_meeting(chair, review, {m.id: "present" for m in review.members}, "纪要")
    close_review(chair, review)
    assert review.tally["present"] == 7 and review.tally["endorse"] == 7
    assert review.case.state is CaseState.pre_decision_notice


def test_conduct_review_runs_a_panel_with_a_consultant(db, make_case, make_user):
    case = make_case(state=CaseState.findings)
    seat_consultant(db, standing_panel(case.agency), make_user)
    review = conduct_review(case)
    consultant = consultant_of(review)
    assert consultant.attendance.value == "present" and consultant.opinion
    assert consultant.choice is None and review.tally["present"] == 7


def test_pages_show_the_consultant_and_refuse_their_vote(client, db, review):
    consultant = consultant_of(review)
    user = signable(consultant.seat.expert.user)
    db.session.commit()
    sign_in(client, user)
    url = f"/committees/reviews/{review.id}"
    assert client.post(f"{url}/declaration", data={"conflict": "none"}).status_code == 302
    page = text(client.get(url))
    assert 'data-testid="package"' in page and 'data-testid="advice-form"' in page
    assert 'data-testid="vote-form"' not in page
    refused = client.post(f"{url}/vote", data={"choice": "endorse", "opinion": "同意"})
    assert refused.status_code == 409 and "咨询专家只提供咨询意见" in text(refused)
    db.session.expire_all()
    assert consultant.choice is None
    assert client.post(f"{url}/advice", data={"opinion": "建议核对数据。"}).status_code == 302
    db.session.expire_all()
    assert consultant.opinion == "建议核对数据。"
    sign_in(client, signable(acting_chair(review).seat.expert.user))
    db.session.commit()
    page = text(client.get(url))
    assert 'data-testid="consultant"' in page and "咨询，不表决" in page
    assert f'name="attendance-{consultant.id}"' in page


def test_the_record_case_page_and_dossier_show_the_consultant(app, client, db, review):
    from flask import render_template

    from app.committees.dossier import load_committee
    from app.dossiers.loader import DossierContext
    from app.dossiers.models import DossierLevel

    consultant = consultant_of(review)
    votes_all(review)
    chair = acting_chair(review).seat.expert.user
    record_meeting(chair, review, {m.id: "present" for m in review.members}, "纪要")
    close_review(chair, review)
    db.session.commit()
    ctx = DossierContext(review.case, review.case.created_by, DossierLevel.shared, False)
    data = load_committee(ctx)
    row = next(m for m in data[0]["members"] if m["id"] == consultant.id)
    assert row["consultant"] is True and row["choice"] == ""
    with app.test_request_context():
        html = render_template("dossiers/sections/committee.html", data=data)
    assert "咨询专家甲（咨询专家）" in html and "不参加表决" in html
    assert "建议关注原始数据的保存情况。" in html
    sign_in(client, review.case.created_by)
    page = text(client.get(f"/cases/{review.case.reference}"))
    assert 'data-testid="committee-section"' in page and "咨询，不表决" in page


def test_the_consultants_inbox_asks_for_advice_not_a_vote(client, db, review):
    consultant = consultant_of(review)
    user = signable(consultant.seat.expert.user)
    user.locale = "en"
    db.session.commit()
    sign_in(client, user)
    client.post(f"/committees/reviews/{review.id}/declaration", data={"conflict": "none"})
    page = text(client.get("/committees/reviews"))
    advise = page[
        page.index('data-testid="inbox-advise"') : page.index('data-testid="inbox-decided"')
    ]
    assert review.case.reference in advise and "To advise (consultant, no vote)" in advise
    voting = page[page.index('data-testid="inbox-vote"') : page.index('data-testid="inbox-advise"')]
    assert review.case.reference not in voting and "advises, no vote" in advise
    assert "Reviews closed" in page
    client.post("/language/zh")
    assert "审议结束" in text(client.get("/committees/reviews"))  # not a case's 处理决定
