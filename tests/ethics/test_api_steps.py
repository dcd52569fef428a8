"""API v1 for re-review, follow-up, appeals and extension: an access matrix over every new
route (another province and another unit get 404, the wrong role 403, the right one its
answer, a refusal changes nothing), the refusals of bad input and of the wrong moment, and
every answer conforms to the OpenAPI document."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.auth.services import create_token
from app.ethics import appeals, reviewing
from app.ethics import rereview as rr
from app.ethics.models import Appeal, FollowUp
from tests.api.test_openapi import assert_conforms
from tests.ethics.conftest import accepted
from tests.ethics.test_rereview import _choices, _pool, _preliminary

BASE = "/api/v1/ethics/applications"


def _headers(db, user) -> dict:
    token = create_token(user)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _decided(world):
    application = accepted(world)
    reviewing.propose(world.office, application, "approve")
    present = []
    for user in world.members[:5]:
        reviewing.declare(user, application, False)
        reviewing.vote(user, application, "endorse")
        present.append(reviewing.member_of(application, user).id)
    reviewing.record_attendance(world.office, application, present)
    reviewing.close_review(world.office, application, "风险可控")
    return application


def _rereview_at(world, db, pool, stage: str):
    application = _preliminary(world, db)
    if stage == "preliminary":
        return application
    review = rr.file_rereview(world.applicant, application)
    db.session.flush()
    if stage == "filed":
        return application
    rr.form_panel(world.supervisor, review, _choices(pool[:5]))
    rr.answer_seat(pool[4].user, review, True)
    rr.declare(pool[1].user, review, False)
    if stage == "panel":
        return application
    for expert in pool[:5]:
        if rr.seat_of(review, expert.user).declared_at is None:
            rr.declare(expert.user, review, False)
        rr.vote(expert.user, review, "agree", "同意")
    if stage == "voted":
        return application
    rr.close_rereview(world.supervisor, review, "同意")
    return application


def _state(world, db, pool, stage: str):
    if stage == "accepted":
        return accepted(world)
    if stage == "decided":
        return _decided(world)
    if stage == "appealed":
        application = _decided(world)
        appeals.lodge_appeal(world.applicant, application, "不服")
        return application
    return _rereview_at(world, db, pool, stage)


def _who(world, pool, name):
    if name.startswith("pool"):
        return pool[int(name[4:])].user
    return getattr(world, name)


# route: (method, path, stage, body(pool), [(actor, expected status), ...]) — refusals first.
MATRIX = {
    "rereview_get": (
        "GET",
        "rereview",
        "panel",
        None,
        [("other_province", 404), ("other_applicant", 404), ("applicant", 200), ("pool0", 200)],
    ),
    "rereview_file": (
        "POST",
        "rereview",
        "preliminary",
        None,
        [
            ("other_province", 404),
            ("other_applicant", 404),
            ("supervisor", 403),
            ("applicant", 201),
        ],
    ),
    "rereview_panel": (
        "POST",
        "rereview/panel",
        "filed",
        lambda pool: {"experts": [{"expert_id": i, "category": c} for i, c in _choices(pool[:5])]},
        [("other_province", 404), ("applicant", 403), ("office", 403), ("supervisor", 200)],
    ),
    "rereview_seat": (
        "POST",
        "rereview/seat",
        "filed_panel",
        lambda pool: {"accept": True},
        [("other_province", 404), ("applicant", 403), ("pool0", 409), ("pool4", 200)],
    ),
    "rereview_declaration": (
        "POST",
        "rereview/declaration",
        "panel",
        lambda pool: {"conflict": False},
        [("other_province", 404), ("applicant", 403), ("pool1", 409), ("pool0", 200)],
    ),
    "rereview_answer": (
        "POST",
        "rereview/answer",
        "panel",
        lambda pool: {"answer": "agree", "opinion": "同意"},
        [("other_province", 404), ("applicant", 403), ("pool0", 409), ("pool1", 200)],
    ),
    "rereview_close": (
        "POST",
        "rereview/close",
        "voted",
        lambda pool: {"reasons": "专家组同意"},
        [("other_province", 404), ("applicant", 403), ("office", 403), ("supervisor", 200)],
    ),
    "rereview_decision": (
        "POST",
        "rereview-decision",
        "closed",
        lambda pool: {"reasons": "复核同意"},
        [("other_province", 404), ("applicant", 403), ("supervisor", 403), ("office", 200)],
    ),
    "followups": (
        "POST",
        "followups",
        "decided",
        lambda pool: {"kind": "report", "text": "进展顺利"},
        [("other_province", 404), ("other_applicant", 404), ("office", 403), ("applicant", 200)],
    ),
    "suspension": (
        "POST",
        "suspension",
        "decided",
        lambda pool: {"reasons": "严重不良事件"},
        [("other_province", 404), ("applicant", 403), ("supervisor", 403), ("office", 200)],
    ),
    "termination": (
        "POST",
        "termination",
        "decided",
        lambda pool: {"reasons": "严重不良事件"},
        [("other_province", 404), ("applicant", 403), ("office", 200)],
    ),
    "appeals": (
        "POST",
        "appeals",
        "decided",
        lambda pool: {"grounds": "理由不充分"},
        [("other_province", 404), ("office", 403), ("applicant", 200)],
    ),
    "appeal_decision": (
        "POST",
        "appeals/decision",
        "appealed",
        lambda pool: {"upheld": False, "answer": "维持原决定"},
        [("other_province", 404), ("applicant", 403), ("office", 200)],
    ),
    "extension": (
        "POST",
        "extension",
        "accepted",
        lambda pool: {
            "new_date": (dt.date.today() + dt.timedelta(days=90)).isoformat(),
            "reason": "补充材料",
        },
        [("other_province", 404), ("applicant", 403), ("supervisor", 403), ("office", 200)],
    ),
}


def _snapshot(db, application):
    db.session.expire_all()
    review = rr.rereview_of(application)
    return (
        application.state,
        application.activity,
        application.decision_due,
        review.state if review else None,
        [(s.status, s.declared_at, s.voted_at) for s in review.experts] if review else None,
        db.session.scalar(select(func.count()).where(FollowUp.application_id == application.id)),
        db.session.scalar(select(func.count()).where(Appeal.application_id == application.id)),
    )


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").get_json()


@pytest.mark.parametrize("route", sorted(MATRIX))
def test_access_matrix(db, client, world, make_user, document, route):
    method, path, stage, body, expectations = MATRIX[route]
    pool = _pool(world, make_user)
    if stage == "filed_panel":  # the panel formed, nobody has answered yet
        application = _rereview_at(world, db, pool, "filed")
        rr.form_panel(world.supervisor, rr.rereview_of(application), _choices(pool[:5]))
    else:
        application = _state(world, db, pool, stage)
    db.session.commit()
    url = f"{BASE}/{application.reference}/{path}"
    payload = body(pool) if body else None
    for actor, expected in expectations:
        headers = _headers(db, _who(world, pool, actor))
        before = _snapshot(db, application)
        if method == "GET":
            response = client.get(url, headers=headers)
        else:
            response = client.post(url, json=payload, headers=headers)
        assert response.status_code == expected, (actor, response.get_json())
        assert_conforms(document, method, url, response)
        if expected >= 400:
            assert _snapshot(db, application) == before, actor  # a refusal changes nothing
            if expected == 404:
                assert application.title not in response.get_data(as_text=True)


def test_rereview_through_the_api_with_its_refusals(db, client, world, make_user, document):
    pool = _pool(world, make_user)
    application = _preliminary(world, db)
    db.session.commit()
    ref = application.reference
    applicant, office = _headers(db, world.applicant), _headers(db, world.office)
    supervisor = _headers(db, world.supervisor)

    def post(path, body, headers):
        response = client.post(f"{BASE}/{ref}/{path}", json=body, headers=headers)
        assert_conforms(document, "POST", f"{BASE}/{ref}/{path}", response)
        return response

    assert client.get(f"{BASE}/{ref}/rereview", headers=applicant).status_code == 404
    early = post("rereview-decision", {"reasons": "x"}, office)
    assert early.status_code == 409 and early.get_json()["code"] == "waits_for_rereview"
    assert post("rereview", None, applicant).status_code == 201
    assert post("rereview", None, applicant).status_code == 409  # filed already
    member = world.panel.seats[1].expert
    refused = post(
        "rereview/panel",
        {
            "experts": [
                *[{"expert_id": i, "category": c} for i, c in _choices(pool[:4])],
                {"expert_id": member.id, "category": "ethics"},
            ]
        },
        supervisor,
    )
    assert refused.status_code == 422  # a member of the preliminary committee
    few = post(
        "rereview/panel",
        {"experts": [{"expert_id": i, "category": c} for i, c in _choices(pool[:4])]},
        supervisor,
    )
    assert few.status_code == 422 and "5" in few.get_data(as_text=True)
    assert post("rereview/panel", {"experts": "all"}, supervisor).status_code == 422
    formed = post(
        "rereview/panel",
        {"experts": [{"expert_id": i, "category": c} for i, c in _choices(pool[:5])]},
        supervisor,
    )
    assert formed.status_code == 200 and formed.get_json()["state"] == "panel"
    assert {e["agency"] for e in formed.get_json()["experts"]} == {"SH", "JS"}
    js = _headers(db, pool[4].user)
    assert post("rereview/declaration", {"conflict": False}, js).status_code == 409  # seat first
    assert post("rereview/seat", {"accept": True}, js).status_code == 200
    for expert in pool[:5]:
        headers = _headers(db, expert.user)
        early = post("rereview/answer", {"answer": "agree", "opinion": "同意"}, headers)
        assert early.status_code == 409 and early.get_json()["code"] == "not_declared"
        assert post("rereview/declaration", {"conflict": False}, headers).status_code == 200
        bad = post("rereview/answer", {"answer": "maybe", "opinion": "?"}, headers)
        assert bad.status_code == 422
        assert (
            post("rereview/answer", {"answer": "agree", "opinion": "同意"}, headers).status_code
            == 200
        )
        twice = post("rereview/answer", {"answer": "agree", "opinion": "同意"}, headers)
        assert twice.status_code == 409 and twice.get_json()["code"] == "voted"
    closed = post("rereview/close", {"reasons": "专家组同意"}, supervisor)
    assert closed.status_code == 200 and closed.get_json()["tally"] == {
        "agree": 5,
        "disagree": 0,
        "of": 5,
    }
    decided = post("rereview-decision", {"reasons": "复核同意"}, office)
    assert decided.status_code == 200
    assert decided.get_json()["state"] == "decided"
    assert decided.get_json()["decision"] == "approve_modified"


def test_followup_appeal_and_extension_refusals(db, client, world, document):
    application = _decided(world)
    pending = accepted(world)
    db.session.commit()
    ref = application.reference
    applicant, office = _headers(db, world.applicant), _headers(db, world.office)

    def post(reference, path, body, headers):
        url = f"{BASE}/{reference}/{path}"
        response = client.post(url, json=body, headers=headers)
        assert_conforms(document, "POST", url, response)
        return response

    assert post(ref, "followups", {"kind": "audit", "text": "x"}, applicant).status_code == 422
    assert post(ref, "followups", {"kind": "event", "text": ""}, applicant).status_code == 422
    filed = post(ref, "followups", {"kind": "event", "text": "一例严重不良事件"}, applicant)
    assert filed.status_code == 200 and filed.get_json()["followups"][-1]["kind"] == "event"
    amended = post(ref, "followups", {"kind": "amendment", "text": "增加随访"}, applicant)
    assert amended.status_code == 200
    suspended = post(ref, "suspension", {"reasons": "暂停"}, office)
    assert suspended.get_json()["activity"] == "suspended"
    assert post(ref, "termination", {"reasons": "终止"}, office).get_json()["activity"] == (
        "terminated"
    )
    late = post(ref, "followups", {"kind": "report", "text": "报告"}, applicant)
    assert late.status_code == 409 and late.get_json()["code"] == "terminated"
    assert post(ref, "appeals", {"grounds": "不服"}, applicant).status_code == 200
    assert post(ref, "appeals", {"grounds": "再次"}, applicant).status_code == 409
    assert (
        post(ref, "appeals/decision", {"upheld": "maybe", "answer": "x"}, office).status_code == 422
    )
    answered = post(ref, "appeals/decision", {"upheld": False, "answer": "维持"}, office)
    assert answered.get_json()["appeals"][-1]["state"] == "dismissed"
    assert post(ref, "appeals/decision", {"upheld": True, "answer": "x"}, office).status_code == 409
    assert post(pending.reference, "appeals", {"grounds": "x"}, applicant).status_code == 409
    before = pending.decision_due.isoformat()
    backwards = post(pending.reference, "extension", {"new_date": before, "reason": "x"}, office)
    assert backwards.status_code == 422
    assert (
        post(
            pending.reference, "extension", {"new_date": "soon", "reason": "x"}, office
        ).status_code
        == 422
    )
    assert (
        post(ref, "extension", {"new_date": "2099-01-01", "reason": "x"}, office).status_code == 409
    )
    later = post(
        pending.reference, "extension", {"new_date": "2099-01-01", "reason": "补充"}, office
    )
    assert later.status_code == 200 and later.get_json()["decision_due"] == "2099-01-01"
