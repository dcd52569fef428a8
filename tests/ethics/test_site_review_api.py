"""API v1 of a site's simplified procedure: an access matrix over every route (another
province, another unit's office or applicant and a member of the committee not named get
404, as the page; the lead's office and applicant 403, for the page shows them no procedure;
the right caller its answer), refusals of bad bodies and of the wrong moment that change
nothing, one visibility for page and API, and every answer conforms to the OpenAPI document."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.auth.services import create_token
from app.committees.models import ReviewMember
from app.ethics import site_review, sites
from app.ethics.site_models import Site, SiteStatus
from tests.api.test_openapi import assert_conforms
from tests.ethics.site_world import build_simplified_world
from tests.ethics.site_world import seat_ids as _seat_ids
from tests.ui_helpers import sign_in

BASE = "/api/v1/ethics/sites"


def _headers(db, user) -> dict:
    token = create_token(user)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _at(sw, stage: str):
    """The site with its procedure at `stage`: decided, named, declared (m1), meeting."""
    site, (m1, m2, _m3) = sw.site_row, sw.site_members
    if stage == "decided":
        return site
    site_review.name_members(sw.site.office, site, _seat_ids(sw, [m1, m2]))
    if stage == "named":
        return site
    site_review.declare(m1, site, False)
    if stage == "declared":
        return site
    site_review.declare(m2, site, False)
    site_review.answer(m1, site, "recognised")
    site_review.answer(m2, site, "meeting", "涉及未成年人，需会议审查")
    return site


def _who(sw, name):
    if name.startswith("m"):
        return sw.site_members[int(name[1:]) - 1]
    if name == "site_office":
        return sw.site.office
    if name == "outsider_office":
        return sw.outsider.office
    return getattr(sw, name)


OUTSIDERS = [
    ("other_province", 404),
    ("other_applicant", 404),
    ("outsider_office", 404),
    ("m3", 404),  # of the site's committee, not named
]
LEAD = [("office", 403), ("applicant", 403)]
# route: (method, path, stage, body, [(actor, expected), ...]) — refusals first.
MATRIX = {
    "read": ("GET", "simplified", "named", None, [*OUTSIDERS, *LEAD, ("m1", 200)]),
    "read_office": ("GET", "simplified", "named", None, [("site_office", 200)]),
    "name": (
        "POST",
        "simplified/members",
        "decided",
        lambda sw: {"members": _seat_ids(sw, sw.site_members[:2])},
        [*OUTSIDERS, ("m1", 404), *LEAD, ("site_office", 200)],
    ),
    "declare": (
        "POST",
        "simplified/declaration",
        "named",
        lambda sw: {"conflict": False},
        [*OUTSIDERS, *LEAD, ("site_office", 403), ("m1", 200)],
    ),
    "answer": (
        "POST",
        "simplified/answer",
        "declared",
        lambda sw: {"answer": "conditions", "text": "仅招募成年受试者"},
        [*OUTSIDERS, *LEAD, ("site_office", 403), ("m2", 409), ("m1", 200)],
    ),
    "meeting_answer": (
        "POST",
        "confirmation",
        "meeting",
        lambda sw: {"status": "declined", "reasons": "会议决定：不予认可"},
        [*OUTSIDERS, *LEAD, ("m1", 403), ("site_office", 200)],
    ),
}


def _snapshot(db, site):
    db.session.expire_all()
    members = db.session.scalars(
        select(ReviewMember)
        .where(ReviewMember.subject == site_review.SUBJECT, ReviewMember.subject_id == site.id)
        .order_by(ReviewMember.id)
    )
    row = db.session.get(Site, site.id)
    return (
        row.status,
        row.reasons,
        [(m.seat_id, m.declared_at, m.recused, m.choice, m.opinion, m.voted_at) for m in members],
    )


@pytest.fixture
def sw(db, make_user):
    return build_simplified_world(make_user)


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").get_json()


@pytest.mark.parametrize("route", sorted(MATRIX))
def test_access_matrix(db, client, sw, document, route):
    method, path, stage, body, expectations = MATRIX[route]
    site = _at(sw, stage)
    db.session.commit()
    url = f"{BASE}/{site.id}/{path}"
    payload = body(sw) if body else None
    for actor, expected in expectations:
        headers = _headers(db, _who(sw, actor))
        before = _snapshot(db, site)
        if method == "GET":
            response = client.get(url, headers=headers)
        else:
            response = client.post(url, json=payload, headers=headers)
        assert response.status_code == expected, (actor, response.get_json())
        assert_conforms(document, method, url, response)
        if expected >= 400:
            assert _snapshot(db, site) == before, actor  # a refusal changes nothing
            text = response.get_data(as_text=True)
            assert sw.multi.title not in text and "苏州委员" not in text, actor


def test_the_procedure_through_the_api(db, client, sw, document):
    site, (m1, m2, m3) = sw.site_row, sw.site_members
    db.session.commit()
    office, one, two = (_headers(db, u) for u in (sw.site.office, m1, m2))
    url = f"{BASE}/{site.id}/simplified"

    def call(path, body, headers, method="POST"):
        target = f"{url}{path}"
        if method == "GET":
            response = client.get(target, headers=headers)
        else:
            response = client.post(target, json=body, headers=headers)
        assert_conforms(document, method, target, response)
        return response

    start = call("", None, office, "GET").get_json()
    assert start["named"] is False and start["wanted"] == 2 and start["members"] == []
    assert {s["id"] for s in start["seats"]} == set(_seat_ids(sw, [m1, m2, m3]))
    before = _snapshot(db, site)
    for bad in (
        {"members": _seat_ids(sw, [m1])},  # too few
        {"members": _seat_ids(sw, [m1, m2, m3])},  # too many
        {"members": [s.id for s in sw.panel.seats[:2]]},  # the lead's committee
        {"members": [str(i) for i in _seat_ids(sw, [m1, m2])]},  # strings
        {"members": "all"},
        {},
    ):
        refused = call("/members", bad, office)
        assert refused.status_code == 422, bad
    assert _snapshot(db, site) == before
    named = call("/members", {"members": _seat_ids(sw, [m1, m2])}, office)
    assert named.status_code == 200
    assert [m["name"] for m in named.get_json()["members"]] == ["苏州委员0", "苏州委员1"]
    again = call("/members", {"members": _seat_ids(sw, [m2, m3])}, office)
    assert again.status_code == 409 and again.get_json()["code"] == "already_named"
    # Before declaring: no answer, no material.
    early = call("/answer", {"answer": "recognised"}, one)
    assert early.status_code == 409 and early.get_json()["code"] == "not_declared"
    assert call("", None, one, "GET").get_json()["may_read"] is False
    for bad in ({"conflict": "no"}, {"conflict": True}, {"conflict": 0}, {"note": "x"}):
        assert call("/declaration", bad, one).status_code == 422, bad
    declared = call("/declaration", {"conflict": False}, one)
    assert declared.status_code == 200
    mine = declared.get_json()["me"]
    assert mine["declared"] and not mine["recused"] and declared.get_json()["may_read"]
    twice = call("/declaration", {"conflict": False}, one)
    assert twice.status_code == 409 and twice.get_json()["code"] == "already_declared"
    before = _snapshot(db, site)
    for bad in (
        {"answer": "maybe"},
        {"answer": "conditions"},  # conditions without their text
        {"answer": "declined", "text": " "},  # a decline without reasons
        {"answer": "meeting"},
        {"answer": "recognised", "text": 5},
        {"answer": True},
        {"text": "同意"},
    ):
        assert call("/answer", bad, one).status_code == 422, bad
    assert _snapshot(db, site) == before
    answered = call("/answer", {"answer": "conditions", "text": "仅招募成年受试者"}, one)
    assert answered.status_code == 200
    body = answered.get_json()
    assert body["status"] == "awaiting" and body["me"]["answered"]
    assert body["members"][0]["answer"] == "conditions"
    assert body["members"][0]["text"] == "仅招募成年受试者"
    repeat = call("/answer", {"answer": "recognised"}, one)
    assert repeat.status_code == 409 and repeat.get_json()["code"] == "voted"
    # The office cannot answer over the members while they agree so far.
    over = client.post(
        f"{BASE}/{site.id}/confirmation", json={"status": "recognised"}, headers=office
    )
    assert over.status_code == 409 and over.get_json()["code"] == "simplified_open"
    call("/declaration", {"conflict": False}, two)
    done = call("/answer", {"answer": "conditions", "text": "仅招募成年受试者"}, two)
    assert done.status_code == 200
    assert done.get_json()["status"] == "conditions" and done.get_json()["agreed"] == "conditions"
    late = call("/answer", {"answer": "declined", "text": "改变主意"}, two)
    assert late.status_code == 409 and late.get_json()["code"] == "already_confirmed"
    lead = client.get(f"{BASE}/{site.id}", headers=_headers(db, sw.office)).get_json()
    assert lead["status"] == "conditions"


def test_a_declared_conflict_cannot_answer(db, client, sw, document):
    site, (m1, m2, _m3) = sw.site_row, sw.site_members
    site_review.name_members(sw.site.office, site, _seat_ids(sw, [m1, m2]))
    db.session.commit()
    url = f"{BASE}/{site.id}/simplified"
    one = _headers(db, m1)
    missing = client.post(f"{url}/declaration", json={"conflict": True}, headers=one)
    assert missing.status_code == 422  # a conflict says what it is
    recused = client.post(
        f"{url}/declaration", json={"conflict": True, "note": "本人参与该研究"}, headers=one
    )
    assert recused.status_code == 200 and recused.get_json()["me"]["recused"] is True
    assert recused.get_json()["may_read"] is False
    refused = client.post(f"{url}/answer", json={"answer": "recognised"}, headers=one)
    assert refused.status_code == 409 and refused.get_json()["code"] == "recused"
    assert_conforms(document, "POST", f"{url}/answer", refused)
    assert db.session.get(Site, site.id).status is SiteStatus.awaiting


def test_members_differ_and_the_office_records_the_meeting(db, client, sw, document):
    site = _at(sw, "meeting")
    db.session.commit()
    office = _headers(db, sw.site.office)
    state = client.get(f"{BASE}/{site.id}/simplified", headers=office).get_json()
    assert state["meeting"] is True and state["agreed"] is None
    assert [m["answer"] for m in state["members"]] == ["recognised", "meeting"]
    url = f"{BASE}/{site.id}/confirmation"
    bad = client.post(url, json={"status": "declined"}, headers=office)
    assert bad.status_code == 422  # reasons for declining
    done = client.post(url, json={"status": "declined", "reasons": "会议决定"}, headers=office)
    assert done.status_code == 200 and done.get_json()["status"] == "declined"
    assert_conforms(document, "POST", url, done)
    assert sites.sites_of(sw.multi)[0].status is SiteStatus.declined


def test_page_and_api_show_the_same_members(db, client, sw):
    """One visibility: what the API gives a named member is what their page shows."""
    site = _at(sw, "meeting")
    db.session.commit()
    m1 = sw.site_members[0]
    api = client.get(f"{BASE}/{site.id}/simplified", headers=_headers(db, m1)).get_json()
    sign_in(client, m1)
    page = client.get(f"/ethics/sites/{site.id}").get_data(as_text=True)
    assert page.count('data-testid="site-member"') == len(api["members"]) == 2
    for member in api["members"]:
        assert member["name"] in page
        if member["text"]:
            assert member["text"] in page
