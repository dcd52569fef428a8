"""Correcting a declaration: a member who declared no conflict declares one before voting
and is recused at once; withdrawing a conflict is the chair's, who lifts a recusal with a
reason. Both audited and in the case's timeline."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.cases.models import CaseState, HistoryEntry
from app.committees.models import Review
from app.committees.permissions import acting_chair, sees_package
from app.committees.reviews import (
    cast_vote,
    correct_declaration,
    declare,
    lift_recusal,
    recuse_member,
)
from app.core.audit import AuditEntry
from app.core.errors import GuardFailed, InvalidInput, NotAllowed
from tests.conftest import password_hash
from tests.ui_helpers import sign_in, text


@pytest.fixture
def review(db, make_case):
    case = make_case(state=CaseState.committee_review)
    return db.session.scalar(select(Review).where(Review.case_id == case.id))


def user_of(member):
    user = member.seat.expert.user
    user.password_hash = password_hash()
    return user


def chair_of(review):
    return user_of(acting_chair(review))


def audited(db, action: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
    )


def test_a_correction_before_voting_recuses_at_once(db, review):
    member = review.members[1]
    user = user_of(member)
    with pytest.raises(GuardFailed) as caught:
        correct_declaration(user, review, "coauthor")
    assert caught.value.code == "not_declared"
    declare(user, review, "none")
    with pytest.raises(InvalidInput):
        correct_declaration(user, review, "none")
    with pytest.raises(InvalidInput):
        correct_declaration(user, review, "other", " ")
    assert not member.recused and sees_package(member)
    assert open_todos(db, user) == ["committee.referral"]  # still to vote
    correct_declaration(user, review, "coauthor", "2024年合作发表论文")
    assert member.recused and member.conflict.value == "coauthor"
    assert open_todos(db, user) == []  # recused: the review leaves their to-do list
    assert member.attendance.value == "recused" and not sees_package(member)
    assert audited(db, "committee.correct_declaration") == 1
    entry = db.session.scalar(
        select(HistoryEntry).where(HistoryEntry.action == "review_declaration_corrected")
    )
    assert entry.reason == "2024年合作发表论文" and entry.details["was"] == "none"
    with pytest.raises(GuardFailed):  # a recused member cannot withdraw it themselves
        correct_declaration(user, review, "relative")
    with pytest.raises(GuardFailed):
        cast_vote(user, review, "endorse", "同意")


def test_no_correction_after_voting(db, review):
    member = review.members[1]
    user = user_of(member)
    declare(user, review, "none")
    cast_vote(user, review, "endorse", "同意")
    with pytest.raises(GuardFailed) as caught:
        correct_declaration(user, review, "relative")
    assert caught.value.code == "already_voted"
    assert not member.recused and member.conflict is None
    assert audited(db, "committee.correct_declaration") == 0


def open_todos(db, user) -> list[str]:
    from app.notifications.models import Notification

    return list(
        db.session.scalars(
            select(Notification.kind).where(
                Notification.user_id == user.id,
                Notification.todo_key.is_not(None),
                Notification.done_at.is_(None),
            )
        )
    )


def test_only_the_chair_lifts_a_recusal_with_a_reason(db, review):
    member = review.members[2]
    user = user_of(member)
    declare(user, review, "coauthor", "十年前合作过一篇会议论文")
    chair = chair_of(review)
    with pytest.raises(NotAllowed):
        lift_recusal(user_of(review.members[1]), review, member.id, "无关")
    with pytest.raises(InvalidInput):
        lift_recusal(chair, review, member.id, "  ")
    with pytest.raises(GuardFailed):
        lift_recusal(chair, review, review.members[1].id, "未回避")
    assert member.recused and audited(db, "committee.lift_recusal") == 0
    assert open_todos(db, user) == []  # recused: nothing left to do
    lift_recusal(chair, review, member.id, "合作已逾十年，与本案无关")
    assert not member.recused and member.attendance is None
    assert member.lifted_reason == "合作已逾十年，与本案无关"
    assert member.conflict.value == "coauthor"  # the declaration stays on the record
    assert sees_package(member)
    assert open_todos(db, user) == ["committee.recusal_lifted"]  # told, with a part again
    cast_vote(user, review, "endorse", "同意")
    assert open_todos(db, user) == []
    assert audited(db, "committee.lift_recusal") == 1
    assert db.session.scalar(
        select(HistoryEntry.reason).where(HistoryEntry.action == "review_recusal_lifted")
    ) == ("合作已逾十年，与本案无关")


def test_a_member_the_chair_recused_before_declaring_still_declares_after_the_lift(db, review):
    member = review.members[3]
    chair = chair_of(review)
    recuse_member(chair, review, member.id, "同一单位")
    lift_recusal(chair, review, member.id, "已调离该单位")
    assert not sees_package(member)
    declare(user_of(member), review, "none")
    assert sees_package(member)


def test_the_pages_correct_and_lift(client, db, review):
    url = f"/committees/reviews/{review.id}"
    member = review.members[1]
    user = user_of(member)
    declare(user, review, "none")
    db.session.commit()
    sign_in(client, user)
    page = text(client.get(url))
    assert 'data-testid="correct-form"' in page
    refused = client.post(f"{url}/declaration/correction", data={"conflict": "other", "note": ""})
    assert refused.status_code == 422
    db.session.expire_all()
    assert not member.recused
    response = client.post(f"{url}/declaration/correction", data={"conflict": "relative"})
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/committees/reviews"
    )
    assert client.get(url).status_code == 403  # recused now, and told so
    sign_in(client, chair_of(review))
    db.session.commit()
    page = text(client.get(url))
    assert 'data-testid="lift-form"' in page
    assert client.post(f"{url}/members/{member.id}/lift", data={"reason": ""}).status_code == 422
    lifted = client.post(f"{url}/members/{member.id}/lift", data={"reason": "关系已核实不影响"})
    assert lifted.status_code == 302
    db.session.expire_all()
    assert not member.recused
    sign_in(client, user)
    page = text(client.get(url))
    assert 'data-testid="package"' in page
    assert (
        client.post(f"{url}/vote", data={"choice": "endorse", "opinion": "同"}).status_code == 302
    )
    assert 'data-testid="correct-form"' not in text(client.get(url))  # voted: no correction


def test_the_api_corrects_a_declaration(client, db, review):
    from app.auth.services import create_token

    member = review.members[1]
    user = user_of(member)
    declare(user, review, "none")
    token = create_token(user)
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/reviews/{review.id}/declaration/correction"
    bad = client.post(url, json={"conflict": "none"}, headers=headers)
    assert bad.status_code == 422
    done = client.post(url, json={"conflict": "coauthor", "note": "合著"}, headers=headers)
    assert done.status_code == 200 and done.get_json()["mine"]["recused"] is True
    assert done.get_json()["package"] is None
    assert client.get(f"/api/v1/reviews/{review.id}", headers=headers).status_code == 403
