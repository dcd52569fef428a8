"""The automatic conflict screen's flag on the chair (issue 20, item 2): the chair never
decides it; the vice-chair or a supervisor of the panel's agency does, always with a reason
and behind a confirmation; the decided flag stays in the members table with who and why, and
the timeline names whose flag it was."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.cases.models import CaseState, HistoryEntry
from app.committees.permissions import acting_chair
from app.committees.reviews import dismiss_screen
from app.committees.rules import SeatRole
from app.core.errors import InvalidInput, NotAllowed
from app.demo.conduct import standing_panel
from app.extensions import db
from app.notifications.models import Notification
from tests.conftest import password_hash
from tests.review_support import refer
from tests.ui_helpers import sign_in, text


@pytest.fixture
def flagged_chair(make_case, make_user):
    """A review whose chair works at the respondent's institution; seat 2 is a vice-chair."""
    officer = make_user("SH", roles=("officer",), locale="en")
    case = make_case(state=CaseState.findings, by=officer)
    panel = standing_panel(case.agency)
    panel.seats[0].expert.institution = case.respondents[0].institution
    panel.seats[1].role = SeatRole.vice_chair
    review = refer(case, officer, panel)
    chair = review.members[0]
    assert chair.role is SeatRole.chair and chair.screened_conflict
    for member in review.members:
        member.seat.expert.user.password_hash = password_hash()
        member.seat.expert.user.locale = "en"
    db.session.commit()
    return case, review, chair


def _flag_of(db, member_id):
    from app.committees.models import ReviewMember

    db.session.expire_all()
    return db.session.get(ReviewMember, member_id)


def test_the_chair_cannot_clear_the_screen_about_themselves(client, db, flagged_chair):
    _case, review, chair = flagged_chair
    user = chair.seat.expert.user
    with pytest.raises(NotAllowed) as refused:
        dismiss_screen(user, review, chair.id, "我与被调查人不在同一院系")
    with force_locale("en"):
        assert "never the member it names" in str(refused.value.message)
    assert "被提示的委员本人不得决定" in str(refused.value)  # the other language too
    db.session.rollback()
    sign_in(client, user)
    page = text(client.get(f"/committees/reviews/{review.id}"))
    assert 'data-testid="screen-pending"' in page and 'data-testid="screen-by-another"' in page
    response = client.post(
        f"/committees/reviews/{review.id}/members/{chair.id}/dismiss", data={"reason": "无关"}
    )
    assert response.status_code == 403
    assert "never the member it names" in text(response)
    flag = _flag_of(db, chair.id)
    assert flag.screened_conflict and flag.screen_dismissed_at is None and not flag.recused


def test_a_supervisor_dismisses_the_chairs_flag_with_a_reason_and_it_stays_visible(
    client, db, flagged_chair, make_user
):
    case, review, chair = flagged_chair
    supervisor = make_user("SH", roles=("supervisor",), locale="en", display_name="孙督导")
    db.session.commit()
    sign_in(client, supervisor)
    page = text(client.get(f"/cases/{case.reference}"))
    section = page.split('data-testid="screens-to-decide"', 1)[1]
    assert chair.seat.expert.name in section and "data-confirm=" in section
    url = f"/committees/reviews/{review.id}/members/{chair.id}/dismiss"
    response = client.post(url, data={"reason": "  "})  # a reason is required
    assert response.status_code == 422
    assert "Give the reason for dismissing the screening flag." in text(response)
    assert _flag_of(db, chair.id).screen_dismissed_at is None
    response = client.post(url, data={"reason": "同校不同院系，无合作关系"})
    assert response.status_code == 302
    flag = _flag_of(db, chair.id)
    assert flag.screened_conflict  # the flag is not cleared ...
    assert flag.screen_dismissed_by_id == supervisor.id  # ... it is decided, by another
    assert flag.screen_dismissal_reason == "同校不同院系，无合作关系"
    page = text(client.get(f"/cases/{case.reference}"))
    members = page.split('data-testid="review-members"', 1)[1].split("</table>")[0]
    assert "dismissed by 孙督导" in members and "同校不同院系，无合作关系" in members
    timeline = page.split('data-testid="timeline"', 1)[1]
    entry_html = timeline.split("Screening flag dismissed, with the reason", 1)[1].split("</li>")[0]
    assert f'data-testid="timeline-member">{chair.seat.expert.name}<' in entry_html
    entry = db.session.scalar(
        select(HistoryEntry).where(HistoryEntry.action == "review_screen_flag_dismissed")
    )
    assert entry.actor_id == supervisor.id and entry.details["member"] == chair.seat.expert.name
    # The chair's own members table shows the decided flag too.
    sign_in(client, chair.seat.expert.user)
    page = text(client.get(f"/committees/reviews/{review.id}"))
    assert 'data-testid="screen-dismissed"' in page and "孙督导" in page


def test_the_vice_chair_confirms_the_chairs_flag_and_takes_the_chair(client, db, flagged_chair):
    _case, review, chair = flagged_chair
    vice = review.members[1]
    told = set(
        db.session.scalars(
            select(Notification.user_id).where(Notification.kind == "committee.screening")
        )
    )
    assert told == {vice.seat.expert.user_id}  # the flag's decider, never the chair it names
    sign_in(client, vice.seat.expert.user)
    page = text(client.get(f"/committees/reviews/{review.id}"))
    card = page.split('data-testid="screens-to-decide"', 1)[1]
    assert chair.seat.expert.name in card and "data-confirm=" in card
    response = client.post(
        f"/committees/reviews/{review.id}/members/{chair.id}/confirm",
        data={"reason": "与被调查人同一单位，依规回避"},
    )
    assert response.status_code == 302
    flag = _flag_of(db, chair.id)
    assert flag.recused and flag.recused_by_id == vice.seat.expert.user_id
    review = flag.review
    assert acting_chair(review).id == vice.id
    page = text(client.get(f"/committees/reviews/{review.id}"))
    assert 'data-testid="screen-confirmed"' in page and "与被调查人同一单位，依规回避" in page


def test_another_member_or_another_agency_cannot_decide_the_chairs_flag(
    db, flagged_chair, make_user
):
    _case, review, chair = flagged_chair
    member = review.members[2].seat.expert.user
    outsider = make_user("JS", roles=("supervisor",))
    for user in (member, outsider):
        with pytest.raises(NotAllowed):
            dismiss_screen(user, review, chair.id, "无关")
    with pytest.raises(InvalidInput):
        dismiss_screen(review.members[1].seat.expert.user, review, chair.id, "")
