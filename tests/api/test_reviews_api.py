"""API v1 for committee members: my reviews, a review, declare, vote, close — and who gets 404."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.cases.models import CaseState
from app.committees.models import Review
from app.committees.permissions import acting_chair
from app.core.models import AuditEntry

URL = "/api/v1/reviews"


@pytest.fixture
def review(make_case, db):
    case = make_case(state=CaseState.committee_review)
    return db.session.scalar(select(Review).where(Review.case_id == case.id))


def member(review, index):
    return review.members[index].seat.expert.user


def audit_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry))


def test_a_member_lists_reads_declares_votes_and_the_chair_closes(api, db, review):
    me = api(member(review, 1))
    items = me.get(URL).get_json()["items"]
    assert [i["id"] for i in items] == [review.id] and items[0]["mine"]["declared"] is False
    body = me.get(f"{URL}/{review.id}").get_json()
    assert body["package"] is None and body["questions"]
    declared = me.post(f"{URL}/{review.id}/declaration", json={"conflict": "none"})
    assert declared.status_code == 200
    package = declared.get_json()["package"]
    assert package["respondents"][0]["id_number"] != "31010119800101123X"
    assert "李娜" not in declared.get_data(as_text=True)
    assert "13800000000" not in declared.get_data(as_text=True)
    for choice in ("endorse", "return"):
        voted = me.post(f"{URL}/{review.id}/vote", json={"choice": choice, "opinion": "意见"})
        assert voted.status_code == 200
    assert voted.get_json()["mine"]["vote_changes"] == 1
    for index in range(2, 7):
        other = api(member(review, index))
        other.post(f"{URL}/{review.id}/declaration", json={"conflict": "none"})
        other.post(f"{URL}/{review.id}/vote", json={"choice": "endorse", "opinion": "同意"})
    chair = api(acting_chair(review).seat.expert.user)
    present = {str(m.id): "present" for m in review.members}
    closed = chair.post(f"{URL}/{review.id}/close", json={"attendance": present, "minutes": "纪要"})
    assert closed.status_code == 200, closed.get_json()
    record = closed.get_json()["record"]
    assert record["outcome"] and record["tally"]["endorse"] == 5
    db.session.expire_all()
    assert db.session.get(Review, review.id).case.state is CaseState.pre_decision_notice


def test_refusals_change_nothing(api, db, review, make_user):
    me = api(member(review, 1))
    chair = api(acting_chair(review).seat.expert.user)
    before = audit_count(db)
    vote = {"choice": "endorse", "opinion": "意见"}
    assert me.post(f"{URL}/{review.id}/vote", json=vote).status_code == 409  # not declared
    bad = me.post(f"{URL}/{review.id}/declaration", json={"conflict": "friend"})
    assert bad.status_code == 422
    assert chair.post(f"{URL}/{review.id}/close", json={}).status_code == 409  # no attendance
    absent = {str(m.id): "absent" for m in review.members}
    refused = chair.post(f"{URL}/{review.id}/close", json={"attendance": absent})
    assert refused.status_code == 409 and refused.get_json()["code"] == "no_quorum"
    assert me.post(f"{URL}/{review.id}/close", json={}).status_code == 403
    assert audit_count(db) == before
    db.session.expire_all()
    assert all(m.attendance is None for m in db.session.get(Review, review.id).members)


def test_recused_members_are_told_and_others_get_404(api, db, review, make_user):
    recused = api(member(review, 2))
    declared = recused.post(f"{URL}/{review.id}/declaration", json={"conflict": "coauthor"})
    assert declared.status_code == 200 and declared.get_json()["package"] is None
    refused = recused.get(f"{URL}/{review.id}")
    assert refused.status_code == 403 and "回避" in refused.get_json()["detail"]
    vote = {"choice": "endorse", "opinion": "x"}
    assert recused.post(f"{URL}/{review.id}/vote", json=vote).status_code == 403
    assert review.id not in [i["id"] for i in recused.get(URL).get_json()["items"]]
    for client in (
        api(make_user("SH", roles=("committee_member",))),
        api(make_user("JS", roles=("committee_member",))),
        api(make_user("SH", roles=("supervisor",))),
    ):
        assert client.get(f"{URL}/{review.id}").status_code == 404
        vote = {"choice": "endorse", "opinion": "x"}
        assert client.post(f"{URL}/{review.id}/vote", json=vote).status_code == 404
        assert review.id not in [i["id"] for i in client.get(URL).get_json()["items"]]
    assert api(None).get(URL).status_code == 401


def test_an_expert_of_another_agency_sees_only_the_review(api, db, make_case, make_user):
    from app.committees.models import SeatStatus
    from app.committees.services import (
        ExpertInput,
        answer_seat,
        link_expert_account,
        register_expert,
        seat_expert,
    )
    from app.demo.conduct import standing_panel

    sh_admin = make_user("SH", roles=("agency_admin",))
    js_admin = make_user("JS", roles=("agency_admin",))
    visitor = make_user("JS", roles=("committee_member",))
    expert = register_expert(
        js_admin,
        ExpertInput(
            name="江苏专家", institution="南京某研究所", gender="female", categories=["legal"]
        ),
    )
    link_expert_account(js_admin, expert, visitor)
    case = make_case(state=CaseState.findings)
    panel = standing_panel(case.agency)
    start = dt.date.today() - dt.timedelta(days=10)
    seat, _pw = seat_expert(
        sh_admin, panel, expert, "member", "legal", start, start + dt.timedelta(days=700)
    )
    answer_seat(visitor, seat, True)
    assert seat.status is SeatStatus.active
    from app.demo.conduct import refer_case

    review = refer_case(case)
    other_case = make_case(state=CaseState.investigating)
    client = api(visitor)
    assert client.get(f"{URL}/{review.id}").status_code == 200
    for ref in (case.reference, other_case.reference):
        assert client.get(f"/api/v1/cases/{ref}").status_code == 404
    assert other_case.reference not in client.get("/api/v1/cases").get_data(as_text=True)


def test_a_consultant_reads_the_package_and_advises_but_cannot_vote(api, db, make_case, make_user):
    from app.demo.conduct import standing_panel
    from tests.committees.test_review_consultants import consultant_of, seat_consultant
    from tests.review_support import refer

    officer = make_user("SH", roles=("officer",))
    case = make_case(state=CaseState.findings, by=officer)
    panel = standing_panel(case.agency)
    seat_consultant(db, panel, make_user)
    review = refer(case, officer, panel, "问")
    consultant = consultant_of(review)
    me = api(consultant.seat.expert.user)
    me.post(f"{URL}/{review.id}/declaration", json={"conflict": "none"})
    body = me.get(f"{URL}/{review.id}").get_json()
    assert body["mine"]["consultant"] is True and body["package"] is not None
    listed = me.get(URL).get_json()["items"]  # declared, to advise: still in "my reviews"
    assert [item["id"] for item in listed] == [review.id]
    before = audit_count(db)
    refused = me.post(f"{URL}/{review.id}/vote", json={"choice": "endorse", "opinion": "x"})
    assert refused.status_code == 409 and refused.get_json()["code"] == "consultant_no_vote"
    assert audit_count(db) == before
    advised = me.post(f"{URL}/{review.id}/advice", json={"opinion": "咨询意见正文"})
    assert advised.status_code == 200 and advised.get_json()["mine"]["opinion"] == "咨询意见正文"
    member_api = api(member(review, 1))
    member_api.post(f"{URL}/{review.id}/declaration", json={"conflict": "none"})
    not_consultant = member_api.post(f"{URL}/{review.id}/advice", json={"opinion": "x"})
    assert not_consultant.status_code == 409
    assert (
        api(make_user("SH", roles=("committee_member",)))
        .post(f"{URL}/{review.id}/advice", json={"opinion": "x"})
        .status_code
        == 404
    )
