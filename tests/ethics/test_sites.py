"""Collaborative review on one deployment: the lead committee decides, the JS site's
committee sees the lead's application, confirms with local conditions, acknowledges an
amendment and a suspension; refusals change nothing; nobody else sees the material."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.auth.services import create_token
from app.core.audit import AuditEntry
from app.core.errors import GuardFailed, InvalidInput, NotAllowed
from app.ethics import followup, sites
from app.ethics import permissions as perm
from app.ethics.site_models import Site, SiteStatus, SiteUpdate
from app.notifications.models import Notification
from tests.ethics.site_world import approve, build_sites_world
from tests.ui_helpers import sign_in


@pytest.fixture
def sw(db, make_user):
    return build_sites_world(make_user)


def _site(sw):
    return sites.add_local_site(sw.office, sw.multi, sw.site.unit.id)


def test_site_confirms_with_conditions_and_acknowledges_updates(db, sw):
    site = _site(sw)
    assert site.status is SiteStatus.awaiting and site.updates == []
    # Before the decision the site's office sees nothing of the application.
    assert perm.level_of(sw.site.office, sw.multi.id) is None
    approve(sw, sw.multi)
    assert [u.kind.value for u in site.updates] == ["decision"]
    assert site.confirm_by is not None
    assert perm.level_of(sw.site.office, sw.multi.id) == perm.FULL
    queue = sites.queue_for(sw.site.office)
    assert queue["confirm"] == [site]
    told = db.session.scalar(
        select(Notification).where(
            Notification.user_id == sw.site.office.id, Notification.done_at.is_(None)
        )
    )
    assert told is not None and told.todo_key == f"ethics-site:{site.id}:1"
    sites.record_meeting_answer(sw.site.office, site, "conditions", "本院仅招募成年受试者")
    assert site.status is SiteStatus.conditions and site.reasons == "本院仅招募成年受试者"
    assert sites.queue_for(sw.site.office)["confirm"] == []
    # The lead sees the same status.
    [lead_view] = sites.sites_of(sw.multi)
    assert lead_view.status is SiteStatus.conditions
    sites.send_update(sw.office, sw.multi, "amendment", "修正案：增加随访点")
    followup.stop_activity(sw.office, sw.multi, False, "严重不良事件，暂停研究")
    assert [u.kind.value for u in site.updates] == ["decision", "amendment", "suspend"]
    assert len(sites.queue_for(sw.site.office)["acknowledge"]) == 2
    sites.acknowledge(sw.site.office, site, 2)
    sites.acknowledge(sw.site.office, site, 3)
    assert all(u.acknowledged_at for u in site.updates)
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"ethics.site.add", "ethics.site.confirm", "ethics.site.acknowledge"} <= actions


def test_refusals_change_nothing(db, sw):
    site = _site(sw)
    with pytest.raises(GuardFailed) as err:
        sites.record_meeting_answer(sw.site.office, site, "recognised", None)
    assert err.value.code == "not_decided"
    approve(sw, sw.multi)
    with pytest.raises(NotAllowed) as err:  # not a site of this activity
        sites.record_meeting_answer(sw.outsider.office, site, "recognised", None)
    assert err.value.code == "not_a_site"
    with pytest.raises(InvalidInput):  # declining needs reasons
        sites.record_meeting_answer(sw.site.office, site, "declined", " ")
    with pytest.raises(InvalidInput):
        sites.record_meeting_answer(sw.site.office, site, "awaiting", None)
    assert site.status is SiteStatus.awaiting
    sites.record_meeting_answer(sw.site.office, site, "recognised", None)
    with pytest.raises(GuardFailed) as err:  # twice
        sites.record_meeting_answer(sw.site.office, site, "declined", "改变主意")
    assert err.value.code == "already_confirmed" and site.status is SiteStatus.recognised
    with pytest.raises(GuardFailed):  # the same unit again
        sites.add_local_site(sw.office, sw.multi, sw.site.unit.id)
    with pytest.raises(InvalidInput):  # the lead's own committee
        sites.add_local_site(sw.office, sw.multi, sw.unit_a.id)
    with pytest.raises(NotAllowed):  # only the lead's office
        sites.add_local_site(sw.site.office, sw.multi, sw.outsider.unit.id)
    with pytest.raises(InvalidInput):
        sites.send_update(sw.office, sw.multi, "terminate", "终止")
    with pytest.raises(InvalidInput):
        sites.acknowledge(sw.site.office, site, 7)


def test_pages_and_leak(db, client, sw):
    site = _site(sw)
    approve(sw, sw.multi)
    site.confirm_by = dt.date(2026, 1, 5)  # the set time has passed
    db.session.commit()
    ref = sw.multi.reference
    sign_in(client, sw.office)
    assert 'data-testid="site-overdue"' in client.get(f"/ethics/{ref}/sites").get_data(as_text=True)
    sign_in(client, sw.site.office)
    assert client.get(f"/ethics/{ref}").status_code == 200  # the lead's application
    file_id = sw.multi.attachments[0].id
    assert client.get(f"/ethics/{ref}/files/{file_id}").status_code == 200
    queue = client.get("/ethics/sites").get_data(as_text=True)
    assert ref in queue
    refused = client.post(f"/ethics/sites/{site.id}/confirm", data={"status": "declined"})
    assert refused.status_code == 422
    assert db.session.get(Site, site.id).status is SiteStatus.awaiting
    done = client.post(
        f"/ethics/sites/{site.id}/confirm", data={"status": "conditions", "reasons": "限本院"}
    )
    assert done.status_code == 302
    again = client.post(f"/ethics/sites/{site.id}/confirm", data={"status": "recognised"})
    assert again.status_code == 409
    sign_in(client, sw.office)
    lead = client.get(f"/ethics/{ref}/sites").get_data(as_text=True)
    assert "限本院" in lead and sw.site.unit.name in lead
    # Nobody else: another JS unit's office, JS authority, another SH unit's applicant.
    for outsider in (sw.outsider.office, sw.other_province, sw.other_applicant):
        sign_in(client, outsider)
        assert client.get(f"/ethics/{ref}").status_code == 404
        assert client.get(f"/ethics/{ref}/files/{file_id}").status_code == 404
        assert client.get(f"/ethics/sites/{site.id}").status_code == 404
        assert "限本院" not in client.get("/ethics/sites").get_data(as_text=True)


def test_site_api(db, client, sw):
    def headers(user):
        token = create_token(user)
        db.session.commit()
        return {"Authorization": f"Bearer {token}"}

    lead, site_office = headers(sw.office), headers(sw.site.office)
    ref = sw.multi.reference
    added = client.post(
        f"/api/v1/ethics/applications/{ref}/sites",
        json={"unit_id": sw.site.unit.id},
        headers=lead,
    )
    assert added.status_code == 201, added.get_json()
    site_id = added.get_json()["id"]
    dup = client.post(
        f"/api/v1/ethics/applications/{ref}/sites", json={"unit_id": sw.site.unit.id}, headers=lead
    )
    assert dup.status_code == 409
    approve(sw, sw.multi)
    db.session.commit()
    outsider = client.post(
        f"/api/v1/ethics/sites/{site_id}/confirmation",
        json={"status": "recognised"},
        headers=headers(sw.outsider.office),
    )
    assert outsider.status_code == 404
    ok = client.post(
        f"/api/v1/ethics/sites/{site_id}/confirmation",
        json={"status": "conditions", "reasons": "限成年人"},
        headers=site_office,
    )
    assert ok.status_code == 200 and ok.get_json()["status"] == "conditions"
    twice = client.post(
        f"/api/v1/ethics/sites/{site_id}/confirmation",
        json={"status": "recognised"},
        headers=site_office,
    )
    assert twice.status_code == 409 and twice.get_json()["code"] == "already_confirmed"
    sent = client.post(
        f"/api/v1/ethics/applications/{ref}/site-updates",
        json={"kind": "followup", "text": "年度跟踪审查：同意继续"},
        headers=lead,
    )
    assert sent.status_code == 200
    ack = client.post(
        f"/api/v1/ethics/sites/{site_id}/acknowledgement", json={"seq": 2}, headers=site_office
    )
    assert ack.status_code == 200 and ack.get_json()["updates"][1]["acknowledged_by"]
    seen = client.get(f"/api/v1/ethics/sites/{site_id}", headers=lead).get_json()
    assert seen["status"] == "conditions" and seen["lead_copy"] is None
    listed = client.get("/api/v1/ethics/sites", headers=headers(sw.other_province)).get_json()
    assert listed["items"] == []
    assert db.session.scalar(select(func.count()).select_from(SiteUpdate)) == 2
