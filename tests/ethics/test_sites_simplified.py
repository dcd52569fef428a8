"""A site confirms by the simplified procedure: its office names members of its own
committee, each declares and answers; alike answers confirm the site (and the lead sees
it), differing answers or a request for a meeting leave it to the office to record the
meeting's answer. Refusals change nothing; the office is reminded once before the date."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.core.errors import GuardFailed, InvalidInput, NotAllowed
from app.ethics import permissions as perm
from app.ethics import site_review, sites
from app.ethics.site_models import Site, SiteStatus
from app.notifications.models import Notification
from tests.ethics.site_world import build_simplified_world
from tests.ethics.site_world import seat_ids as _seat_ids
from tests.ui_helpers import sign_in


@pytest.fixture
def sw(db, make_user):
    return build_simplified_world(make_user)


def _todo(db, user, site):
    return db.session.scalar(
        select(Notification).where(
            Notification.user_id == user.id,
            Notification.todo_key == f"ethics-site-member:{site.id}",
        )
    )


def test_named_members_agree_and_the_site_confirms(db, sw):
    site, (m1, m2, m3) = sw.site_row, sw.site_members
    with pytest.raises(InvalidInput):  # the policy's number is 2
        site_review.name_members(sw.site.office, site, _seat_ids(sw, [m1]))
    with pytest.raises(NotAllowed):  # only the site's own office names
        site_review.name_members(sw.office, site, _seat_ids(sw, [m1, m2]))
    with pytest.raises(InvalidInput):  # seats of another committee
        site_review.name_members(sw.site.office, site, [s.id for s in sw.panel.seats[:2]])
    assert site_review.members_of(site) == []
    named = site_review.name_members(sw.site.office, site, _seat_ids(sw, [m1, m2]))
    assert [m.seat.expert.user_id for m in named] == [m1.id, m2.id]
    assert _todo(db, m1, site) is not None and _todo(db, m3, site) is None
    with pytest.raises(GuardFailed) as err:
        site_review.name_members(sw.site.office, site, _seat_ids(sw, [m2, m3]))
    assert err.value.code == "already_named"
    # A named member sees the site; the lead's material only once they declared.
    assert db.session.scalar(select(Site).where(sites.visible_sites(m1))) == site
    assert perm.level_of(m1, sw.multi.id) is None
    with pytest.raises(GuardFailed) as err:  # no answer before the declaration
        site_review.answer(m1, site, "recognised")
    assert err.value.code == "not_declared"
    site_review.declare(m1, site, False)
    assert perm.level_of(m1, sw.multi.id) == perm.FULL
    with pytest.raises(InvalidInput):  # conditions need their text
        site_review.answer(m1, site, "conditions", " ")
    site_review.answer(m1, site, "conditions", "仅招募成年受试者")
    todo = _todo(db, m1, site)
    db.session.refresh(todo)
    assert todo.done_at is not None
    with pytest.raises(GuardFailed) as err:  # answering twice
        site_review.answer(m1, site, "recognised")
    assert err.value.code == "voted"
    for outsider in (m3, sw.members[0]):  # not named; a member of the lead's committee
        with pytest.raises(NotAllowed) as err:
            site_review.declare(outsider, site, False)
        assert err.value.code == "not_named"
    with pytest.raises(GuardFailed) as err:  # the office cannot answer over the members
        sites.record_meeting_answer(sw.site.office, site, "recognised", None)
    assert err.value.code == "simplified_open"
    assert site.status is SiteStatus.awaiting
    site_review.declare(m2, site, False)
    site_review.answer(m2, site, "conditions", "仅招募成年受试者")
    assert site.status is SiteStatus.conditions
    assert site.reasons == "仅招募成年受试者" and "苏州委员0" in site.confirmed_by
    assert site.updates[0].acknowledged_at is not None
    [lead_view] = sites.sites_of(sw.multi)
    assert lead_view.status is SiteStatus.conditions
    with pytest.raises(GuardFailed) as err:  # an answer after the confirmation
        site_review.answer(m2, site, "declined", "改变主意")
    assert err.value.code == "already_confirmed"
    assert site.status is SiteStatus.conditions


@pytest.mark.parametrize(
    "second", [("declined", "本院无条件开展"), ("meeting", "涉及未成年人，需会议审查")]
)
def test_differing_answers_or_a_meeting_go_to_the_office(db, sw, second):
    site, (m1, m2, _m3) = sw.site_row, sw.site_members
    site_review.name_members(sw.site.office, site, _seat_ids(sw, [m1, m2]))
    for member in (m1, m2):
        site_review.declare(member, site, False)
    site_review.answer(m1, site, "recognised")
    site_review.answer(m2, site, *second)
    assert site.status is SiteStatus.awaiting
    assert site_review.state(site)["meeting"] is True
    sites.record_meeting_answer(sw.site.office, site, "declined", "会议决定：不予认可")
    assert site.status is SiteStatus.declined
    assert sites.sites_of(sw.multi)[0].status is SiteStatus.declined


def test_a_recused_member_leaves_the_other_to_decide(db, sw):
    site, (m1, m2, _m3) = sw.site_row, sw.site_members
    site_review.name_members(sw.site.office, site, _seat_ids(sw, [m1, m2]))
    with pytest.raises(InvalidInput):  # a conflict says what it is
        site_review.declare(m1, site, True, "")
    site_review.declare(m1, site, True, "本人参与该研究")
    assert perm.level_of(m1, sw.multi.id) is None
    site_review.declare(m2, site, False)
    site_review.answer(m2, site, "recognised")
    assert site.status is SiteStatus.recognised


def test_office_reminded_once_before_the_date(db, sw):
    site = sw.site_row
    due = site.confirm_by
    assert sites.remind_unconfirmed(due - dt.timedelta(days=6))["notified"] == 0
    assert sites.remind_unconfirmed(due - dt.timedelta(days=5))["notified"] == 1
    assert sites.remind_unconfirmed(due - dt.timedelta(days=1))["notified"] == 0
    reminder = db.session.scalar(
        select(Notification).where(Notification.todo_key == f"ethics-site-due:{site.id}")
    )
    assert reminder.user_id == sw.site.office.id and reminder.done_at is None
    sites.record_meeting_answer(sw.site.office, site, "recognised", None)
    db.session.refresh(reminder)
    assert reminder.done_at is not None
    assert sites.remind_unconfirmed(due)["notified"] == 0


def test_pages(db, client, sw):
    site, (m1, m2, m3) = sw.site_row, sw.site_members
    db.session.commit()
    url = f"/ethics/sites/{site.id}"
    sign_in(client, sw.site.office)
    page = client.get(url).get_data(as_text=True)
    assert 'data-testid="site-name-form"' in page and 'data-testid="site-confirm-form"' in page
    bad = client.post(f"{url}/simplified/name", data={"members": _seat_ids(sw, [m1])})
    assert bad.status_code == 422
    ok = client.post(f"{url}/simplified/name", data={"members": _seat_ids(sw, [m1, m2])})
    assert ok.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert page.count('data-testid="site-member"') == 2
    assert 'data-testid="site-confirm-form"' not in page
    sign_in(client, m3)  # a member of the committee not named
    assert client.get(url).status_code == 404
    assert client.post(f"{url}/simplified/declare", data={}).status_code == 404
    sign_in(client, m1)
    assert 'data-testid="site-declare-form"' in client.get(url).get_data(as_text=True)
    assert client.post(f"{url}/simplified/declare", data={}).status_code == 302
    assert client.post(f"{url}/simplified/answer", data={"status": "x"}).status_code == 422
    assert client.post(f"{url}/simplified/answer", data={"status": "recognised"}).status_code == 302
    again = client.post(f"{url}/simplified/answer", data={"status": "recognised"})
    assert again.status_code == 409
    assert client.post(f"{url}/simplified/other", data={}).status_code == 404
    # The lead's office sees the site's status, not who answered what.
    sign_in(client, sw.office)
    lead = client.get(url).get_data(as_text=True)
    assert 'data-testid="site-members"' not in lead and "苏州委员0" not in lead
