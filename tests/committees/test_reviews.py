"""A case's review by a panel: referral, declarations, recusals, votes, the meeting and the
close, through the services and the pages."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.cases.models import CaseState, HistoryEntry
from app.cases.workflow import TRANSITIONS, available_transitions, perform
from app.committees.models import Review, ReviewStatus
from app.committees.reviews import (
    cast_vote,
    close_review,
    declare,
    dismiss_screen,
    record_meeting,
    recuse_member,
)
from app.core.audit import AuditEntry
from app.core.calendar import today
from app.core.errors import GuardFailed, InvalidInput, NotAllowed
from app.demo.conduct import conduct_review, standing_panel
from app.notifications.models import Notification
from tests.conftest import password_hash
from tests.review_support import refer
from tests.ui_helpers import sign_in, text


def signable(user):
    user.password_hash = password_hash()
    return user


def users_of(review):
    return [signable(m.seat.expert.user) for m in review.members]


@pytest.fixture
def findings_case(make_case, make_user):
    officer = make_user("SH", roles=("officer",))
    return make_case(state=CaseState.findings, by=officer), officer


@pytest.fixture
def review(make_case):
    case = make_case(state=CaseState.committee_review)
    found = case_review(case)
    for user in users_of(found):
        assert user is not None
    return found


def case_review(case):
    from app.extensions import db

    return db.session.scalar(select(Review).where(Review.case_id == case.id))


def chair_of(review):
    from app.committees.permissions import acting_chair

    return signable(acting_chair(review).seat.expert.user)


def everyone_votes(review, choice="endorse"):
    for member in review.members:
        user = member.seat.expert.user
        if member.recused:
            continue
        if member.declared_at is None:
            declare(user, review, "none")
        cast_vote(user, review, choice, "意见")


def all_present(review):
    return {m.id: "present" for m in review.members if not m.recused}


# --- referral ---------------------------------------------------------------------------


def test_referral_opens_a_review_with_one_member_per_voting_seat(db, findings_case):
    case, officer = findings_case
    panel = standing_panel(case.agency)
    refer(case, officer, panel)
    assert case.state is CaseState.committee_review
    review = case_review(case)
    assert len(review.members) == 7
    assert {(m.role, m.category) for m in review.members} == {
        (s.role, s.category) for s in panel.seats
    }
    assert review.deadline == today() + dt.timedelta(days=case.agency.policy.review_days)
    assert case.due_date == review.deadline
    notified = db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.kind == "committee.referral")
    )
    assert notified == 7


def test_referral_refuses_another_agencys_panel_a_broken_panel_and_no_questions(db, findings_case):
    from app.auth.models import Agency

    case, officer = findings_case
    other = standing_panel(db.session.scalar(select(Agency).where(Agency.code == "JS")))
    panel = standing_panel(case.agency)
    cases = [
        ({"panel_id": other.id, "questions": "问"}, InvalidInput, "panel_id"),
        ({"panel_id": "x", "questions": "问"}, InvalidInput, "panel_id"),
        ({"panel_id": panel.id, "questions": "  "}, InvalidInput, "questions"),
        (
            {"panel_id": panel.id, "questions": "问", "review_deadline": "2020-01-01"},
            InvalidInput,
            "review_deadline",
        ),
    ]
    for params, error, field in cases:
        with pytest.raises(error) as caught:
            perform(case, officer, "refer_to_committee", expected_version=None, **params)
        assert caught.value.field == field
    panel.seats[0].status = panel.seats[0].status.ended  # the chair leaves: a rule breaks
    db.session.flush()
    with pytest.raises(GuardFailed) as caught:
        refer(case, officer, panel)
    assert "Exactly one chair" in str(caught.value.message) or "主任" in str(caught.value.message)
    assert case.state is CaseState.findings
    assert db.session.scalar(select(func.count()).select_from(Review)) == 0


def test_the_screen_proposes_recusal_and_the_chair_confirms_or_dismisses(db, findings_case):
    case, officer = findings_case
    panel = standing_panel(case.agency)
    for seat in panel.seats[1:3]:
        seat.expert.institution = case.respondents[0].institution
    review = refer(case, officer, panel)
    screened = [m for m in review.members if m.screened_conflict]
    assert [m.seat_id for m in screened] == [s.id for s in panel.seats[1:3]]
    chair = chair_of(review)
    with pytest.raises(NotAllowed):
        dismiss_screen(screened[0].seat.expert.user, review, screened[0].id, "无利害关系")
    recuse_member(chair, review, screened[0].id, "同一单位")
    dismiss_screen(chair, review, screened[1].id, "不同院系，无利害关系")
    assert screened[0].recused and screened[0].attendance.value == "recused"
    assert not screened[1].recused  # the flag stays on the record, decided, with the reason
    assert screened[1].screened_conflict == case.respondents[0].institution
    assert screened[1].screen_dismissal_reason == "不同院系，无利害关系"
    with pytest.raises(GuardFailed):
        dismiss_screen(chair, review, screened[1].id, "再次")
    actions = db.session.scalars(
        select(HistoryEntry.action).where(
            HistoryEntry.case_id == case.id, HistoryEntry.action.like("review_%")
        )
    ).all()
    assert sorted(actions) == ["review_recusal", "review_screen_flag_dismissed"]


# --- declarations, votes, close -------------------------------------------------------------


def test_declaration_once_a_conflict_recuses_other_needs_a_note(db, review):
    first, second, third = review.members[1:4]
    declare(first.seat.expert.user, review, "none")
    with pytest.raises(GuardFailed):
        declare(first.seat.expert.user, review, "coauthor")
    with pytest.raises(InvalidInput):
        declare(second.seat.expert.user, review, "other", "")
    with pytest.raises(InvalidInput):
        declare(second.seat.expert.user, review, "friend")
    declare(third.seat.expert.user, review, "coauthor", "合作发表论文")
    assert third.recused and not first.recused and second.declared_at is None


def test_votes_need_a_declaration_change_until_closing_and_are_audited(db, review):
    member = review.members[1]
    user = member.seat.expert.user
    with pytest.raises(GuardFailed):
        cast_vote(user, review, "endorse", "同意")
    declare(user, review, "none")
    with pytest.raises(InvalidInput):
        cast_vote(user, review, "endorse", " ")
    with pytest.raises(InvalidInput):
        cast_vote(user, review, "maybe", "意见")
    cast_vote(user, review, "endorse", "同意")
    cast_vote(user, review, "return", "需补充")
    assert member.vote_changes == 1 and member.choice.value == "return"
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.action.like("committee.%vote"))
    ).all()
    assert sorted(actions) == ["committee.change_vote", "committee.vote"]
    outsider = review.members[2].seat.expert.user
    recuse_member(chair_of(review), review, review.members[2].id, "近亲属")
    with pytest.raises(GuardFailed):
        cast_vote(outsider, review, "endorse", "同意")


def test_a_non_member_and_an_absent_member_cannot_vote(db, review, make_user):
    with pytest.raises(NotAllowed):
        cast_vote(make_user("SH", roles=("committee_member",)), review, "endorse", "同意")
    everyone_votes(review)
    attendance = all_present(review)
    absent = review.members[3]
    attendance[absent.id] = "absent"
    record_meeting(chair_of(review), review, attendance, "纪要")
    with pytest.raises(GuardFailed):
        cast_vote(absent.seat.expert.user, review, "return", "改投")


def test_closing_without_quorum_is_refused_and_nothing_moves(db, review):
    everyone_votes(review)
    attendance = {m.id: "absent" for m in review.members}
    for member in review.members[:4]:
        attendance[member.id] = "present"
    chair = chair_of(review)
    with pytest.raises(GuardFailed) as caught:
        close_review(chair, review)
    assert caught.value.code == "no_attendance"
    record_meeting(chair, review, attendance, "纪要")
    with pytest.raises(GuardFailed) as caught:
        close_review(chair, review)
    assert caught.value.code == "no_quorum"
    assert review.status is ReviewStatus.open
    assert review.case.state is CaseState.committee_review


def test_no_majority_keeps_the_review_open(db, review):
    for index, member in enumerate(review.members):
        declare(member.seat.expert.user, review, "none")
        cast_vote(member.seat.expert.user, review, "endorse" if index < 4 else "return", "意见")
    record_meeting(chair_of(review), review, all_present(review), "")
    with pytest.raises(GuardFailed) as caught:
        close_review(chair_of(review), review)
    assert caught.value.code == "no_majority"
    assert "4" in str(caught.value.message) and "5" in str(caught.value.message)


def test_only_the_chair_closes_and_an_endorsement_serves_the_notice(db, review):
    everyone_votes(review)
    with pytest.raises(NotAllowed):
        record_meeting(review.members[1].seat.expert.user, review, all_present(review), "")
    record_meeting(chair_of(review), review, all_present(review), "会议纪要")
    with pytest.raises(NotAllowed):
        close_review(review.members[1].seat.expert.user, review)
    close_review(chair_of(review), review)
    case = review.case
    assert case.state is CaseState.pre_decision_notice
    assert review.status is ReviewStatus.closed and review.outcome.value == "endorse"
    assert case.notice_served_on == today() and case.defence_due > today()
    assert case.due_date == case.defence_due and case.committee_due is None
    with pytest.raises(GuardFailed):
        cast_vote(review.members[1].seat.expert.user, review, "return", "迟到的改投")
    assert case.history[-1].action == "review_endorse"


def test_a_return_needs_the_panels_reasons_and_reopens_the_investigation(db, review):
    everyone_votes(review, "return")
    record_meeting(chair_of(review), review, all_present(review), "")
    with pytest.raises(InvalidInput) as caught:
        close_review(chair_of(review), review, "")
    assert caught.value.field == "reasons"
    close_review(chair_of(review), review, "证据不足")
    assert review.case.state is CaseState.investigating
    assert review.case.history[-1].reason == "证据不足"


def test_the_supervisor_no_longer_records_the_committee_outcome(db, review, make_user):
    assert "endorse_findings" not in TRANSITIONS and "committee_return" not in TRANSITIONS
    supervisor = make_user("SH", roles=("supervisor",))
    assert available_transitions(review.case, supervisor) == []
    for name in ("review_endorse", "review_return"):
        with pytest.raises(NotAllowed):
            perform(review.case, supervisor, name, expected_version=None, reason="代为记录")
    assert review.case.state is CaseState.committee_review


def test_conduct_review_walks_a_case_to_either_outcome(db, make_case):
    endorsed = make_case(state=CaseState.pre_decision_notice)
    assert case_review(endorsed).outcome.value == "endorse"
    returned = make_case(state=CaseState.findings)
    conduct_review(returned, "return")
    assert returned.state is CaseState.investigating


# --- pages ----------------------------------------------------------------------------------


def test_a_member_declares_votes_and_the_chair_closes_through_the_pages(client, db, review):
    ref = review.case.reference
    url = f"/committees/reviews/{review.id}"
    member = review.members[1]
    sign_in(client, signable(member.seat.expert.user))
    inbox = text(client.get("/committees/reviews"))
    assert ref in inbox
    page = text(client.get(url))
    assert 'data-testid="declare-form"' in page and 'data-testid="package"' not in page
    assert client.post(f"{url}/declaration", data={"conflict": "none"}).status_code == 302
    page = text(client.get(url))
    assert 'data-testid="package"' in page and "3101" in page and "31010119800101123X" not in page
    response = client.post(f"{url}/vote", data={"choice": "endorse", "opinion": ""})
    assert response.status_code == 422 and member.choice is None
    assert (
        client.post(f"{url}/vote", data={"choice": "endorse", "opinion": "同意"}).status_code == 302
    )
    for other in review.members:
        if other is not member:
            declare(other.seat.expert.user, review, "none")
            cast_vote(other.seat.expert.user, review, "endorse", "同意")
    db.session.commit()
    sign_in(client, chair_of(review))
    response = client.post(f"{url}/close", data={})
    assert response.status_code == 409  # no attendance yet: refused, shown on the page
    form = {f"attendance-{m.id}": "present" for m in review.members}
    form["minutes"] = "审议会议纪要"
    assert client.post(f"{url}/meeting", data=form).status_code == 302
    assert client.post(f"{url}/close", data={}).status_code == 302
    db.session.expire_all()
    assert review.case.state is CaseState.pre_decision_notice


def test_a_recused_member_is_told_and_a_non_member_gets_404(client, db, review, make_user):
    url = f"/committees/reviews/{review.id}"
    recused = review.members[2]
    declare(recused.seat.expert.user, review, "relative")
    db.session.commit()
    sign_in(client, signable(recused.seat.expert.user))
    page = client.get(url)
    assert page.status_code == 403
    assert "您已回避本次审议" in text(page) and review.case.reference not in text(page)
    assert client.post(f"{url}/vote", data={"choice": "endorse", "opinion": "x"}).status_code == 403
    assert review.case.reference not in text(client.get("/committees/reviews"))
    from app.auth.models import Agency

    js = db.session.scalar(select(Agency).where(Agency.code == "JS"))
    other_panel = signable(standing_panel(js).seats[1].expert.user)  # sits on another panel
    stranger = make_user("SH", roles=("committee_member",))
    db.session.commit()
    for user in (stranger, other_panel):
        sign_in(client, user)
        assert client.get(url).status_code == 404
        assert client.post(f"{url}/declaration", data={"conflict": "none"}).status_code == 404


def test_a_committee_member_sees_no_case_list_record_or_dossier(client, db, review):
    user = signable(review.members[1].seat.expert.user)
    db.session.commit()
    sign_in(client, user)
    ref = review.case.reference
    assert client.get(f"/cases/{ref}").status_code == 404
    assert ref not in text(client.get("/cases"))
    assert ref not in text(client.get("/"))
    assert client.post(f"/cases/{ref}/dossiers", data={"level": "shared"}).status_code == 404
    assert ref not in text(client.get("/records"))


def test_the_package_never_carries_the_complainant(client, db, review):
    member = review.members[1]
    declare(member.seat.expert.user, review, "none")
    db.session.commit()
    sign_in(client, signable(member.seat.expert.user))
    page = text(client.get(f"/committees/reviews/{review.id}"))
    assert 'data-testid="package"' in page
    assert "李娜" not in page and "13800000000" not in page


def test_the_case_page_shows_the_review_after_closing(client, db, make_case, make_user):
    case = make_case(state=CaseState.pre_decision_notice)
    officer = case.created_by
    db.session.commit()
    sign_in(client, officer)
    page = text(client.get(f"/cases/{case.reference}"))
    assert 'data-testid="committee-section"' in page
    assert "同意调查组认定意见。" in page  # opinions, after closing
    assert "委员会按期召开审议会议" in page  # minutes


def test_a_lapsed_review_deadline_shows_on_the_chairs_dashboard(client, db, review):
    review.deadline = today() - dt.timedelta(days=1)
    db.session.commit()
    sign_in(client, chair_of(review))
    db.session.commit()
    page = text(client.get("/"))
    assert 'data-testid="lapsed-reviews"' in page and review.case.reference in page


def test_a_members_dashboard_counts_the_reviews_waiting_for_them_and_no_case_figures(
    client, db, review
):
    member = next(m for m in review.members if m.declared_at is None and not m.recused)
    user = signable(member.seat.expert.user)
    db.session.commit()
    sign_in(client, user)
    page = text(client.get("/"))
    waiting = page[page.index('data-testid="reviews-waiting"') :]
    assert 'data-testid="waiting-declare"' in waiting and 'href="/committees/reviews"' in waiting
    assert 'data-testid="overdue-count"' not in page  # a member handles no cases
    assert 'data-testid="nav-cases"' not in page
    sign_in(client, signable(review.case.created_by))  # the officer who registered it
    db.session.commit()
    assert 'data-testid="nav-cases"' in text(client.get("/"))
    sign_in(client, user)
    db.session.commit()
    declare(user, review, "none")
    db.session.commit()
    page = text(client.get("/"))
    assert 'data-testid="waiting-vote"' in page and 'data-testid="waiting-declare"' not in page


def test_a_lapsed_review_deadline_shows_on_the_case_teams_dashboard(client, db, make_case):
    case = make_case(state=CaseState.committee_review)  # referred in July, 30 days to answer
    assert case.due_date == case_review(case).deadline < today()
    db.session.commit()
    sign_in(client, case.created_by)
    assert case.reference in text(client.get("/"))


def test_the_dossier_committee_section_shows_the_record_without_the_complainant(app, db, make_case):
    from flask import render_template

    from app.committees.dossier import load_committee
    from app.dossiers.loader import DossierContext
    from app.dossiers.models import DossierLevel

    case = make_case(state=CaseState.pre_decision_notice)
    ctx = DossierContext(case, case.created_by, DossierLevel.shared, False)
    data = load_committee(ctx)
    assert data[0]["tally"]["endorse"] == 7 and data[0]["minutes"]
    with app.test_request_context():
        html = render_template("dossiers/sections/committee.html", data=data)
    assert "常设委员2" in html and "同意调查组认定意见。" in html and "会议纪要" in html
    assert "李娜" not in html and "无审议记录" not in html
