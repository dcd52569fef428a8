"""API v1 transfers: offer, list, read, accept, refuse, withdraw; who may call which."""

from __future__ import annotations

import pytest

from app.cases.models import Case, CaseState, CaseTransfer
from app.cases.transfers import transfer_case
from app.extensions import db


@pytest.fixture
def actors(make_user):
    return {
        "sh_supervisor": make_user("SH", roles=("supervisor",)),
        "sh_officer": make_user("SH", roles=("officer",)),
        "js_supervisor": make_user("JS", roles=("supervisor",)),
        "js_officer": make_user("JS", roles=("officer",)),
        "zj_supervisor": make_user("ZJ", roles=("supervisor", "officer", "auditor")),
        "sysadmin": make_user("PLATFORM", roles=("sysadmin",)),
    }


@pytest.fixture
def pending(make_case, actors):
    case = make_case("SH", state=CaseState.preliminary_review, by=actors["sh_officer"])
    return transfer_case(
        case,
        actors["sh_supervisor"],
        target_agency="JS",
        reason="属地管辖",
        identity_travels=False,
        expected_version=None,
    )


def test_offer_list_and_accept_through_the_api(api, make_case, actors):
    case = make_case("SH", state=CaseState.preliminary_review, by=actors["sh_officer"])
    old_reference = case.reference
    sender = api(actors["sh_supervisor"])
    response = sender.post(
        f"/api/v1/cases/{case.reference}/transfer",
        json={"target_agency": "JS", "reason": "属地管辖", "version": case.version},
    )
    assert response.status_code == 201, response.get_json()
    offered = response.get_json()
    assert offered["state"] == "pending" and offered["to_agency"] == "JS"
    receiver = api(actors["js_supervisor"])
    listed = receiver.get("/api/v1/transfers").get_json()["items"]
    assert [t["id"] for t in listed] == [offered["id"]]
    assert "李娜" not in receiver.get("/api/v1/transfers").get_data(as_text=True)
    response = receiver.post(f"/api/v1/transfers/{offered['id']}/accept", json={})
    assert response.status_code == 200, response.get_json()
    accepted = response.get_json()
    assert accepted["state"] == "accepted" and accepted["receiver_reference"].startswith("JS-")
    detail = receiver.get(f"/api/v1/cases/{accepted['receiver_reference']}")
    assert detail.status_code == 200 and detail.get_json()["state"] == "received"
    assert detail.get_json()["former_references"] == [old_reference]
    assert sender.get(f"/api/v1/cases/{accepted['receiver_reference']}").status_code == 404
    sent = sender.get("/api/v1/transfers?direction=sent").get_json()["items"]
    assert sent[0]["state"] == "accepted" and sent[0]["sender_reference"] == old_reference
    again = receiver.post(f"/api/v1/transfers/{offered['id']}/accept", json={})
    assert again.status_code == 409 and again.get_json()["code"] == "transfer_answered"


def test_bad_answers_are_refused_and_change_nothing(api, pending, actors, snapshot):
    case = pending.case
    receiver, sender = api(actors["js_supervisor"]), api(actors["sh_supervisor"])
    before = snapshot(case)
    response = receiver.post(f"/api/v1/transfers/{pending.id}/refuse", json={"reason": " "})
    assert response.status_code == 422 and response.get_json()["field"] == "reason"
    own = sender.post(
        f"/api/v1/cases/{case.reference}/transfer", json={"target_agency": "SH", "reason": "x"}
    )
    assert own.status_code == 409  # the case is no longer in preliminary review
    assert snapshot(case) == before
    assert (
        api(actors["sh_supervisor"])
        .post(f"/api/v1/transfers/{pending.id}/withdraw", json={})
        .status_code
        == 200
    )
    late = receiver.post(f"/api/v1/transfers/{pending.id}/refuse", json={"reason": "不属管辖"})
    assert late.status_code == 409 and late.get_json()["code"] == "transfer_answered"
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == CaseState.preliminary_review


def test_a_transfer_to_the_own_agency_is_refused(api, make_case, actors, snapshot):
    case = make_case("SH", state=CaseState.preliminary_review, by=actors["sh_officer"])
    sender = api(actors["sh_supervisor"])
    before = snapshot(case)
    response = sender.post(
        f"/api/v1/cases/{case.reference}/transfer", json={"target_agency": "SH", "reason": "x"}
    )
    assert response.status_code == 422 and response.get_json()["field"] == "target_agency"
    assert snapshot(case) == before


ROUTES = {
    "list": ("GET", "/api/v1/transfers", None),
    "read": ("GET", "/api/v1/transfers/{id}", None),
    "accept": ("POST", "/api/v1/transfers/{id}/accept", {}),
    "refuse": ("POST", "/api/v1/transfers/{id}/refuse", {"reason": "不属管辖"}),
    "withdraw": ("POST", "/api/v1/transfers/{id}/withdraw", {}),
    "create": ("POST", "/api/v1/cases/{ref}/transfer", {"target_agency": "ZJ", "reason": "x"}),
}
EXPECTED = {
    "sh_supervisor": {
        "list": 200,
        "read": 200,
        "accept": 403,
        "refuse": 403,
        "withdraw": 200,
        "create": 409,
    },
    "sh_officer": {
        "list": 200,
        "read": 200,
        "accept": 403,
        "refuse": 403,
        "withdraw": 403,
        "create": 409,  # the state is checked first: the case already waits
    },
    "js_supervisor": {
        "list": 200,
        "read": 200,
        "accept": 200,
        "refuse": 200,
        "withdraw": 403,
        "create": 404,
    },
    "js_officer": {
        "list": 200,
        "read": 404,
        "accept": 404,
        "refuse": 404,
        "withdraw": 404,
        "create": 404,
    },
    "zj_supervisor": {
        "list": 200,
        "read": 404,
        "accept": 404,
        "refuse": 404,
        "withdraw": 404,
        "create": 404,
    },
    "sysadmin": {
        "list": 200,
        "read": 404,
        "accept": 404,
        "refuse": 404,
        "withdraw": 404,
        "create": 404,
    },
}


@pytest.mark.parametrize("route", sorted(ROUTES))
@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_access_matrix(api, pending, actors, route, who):
    method, template, body = ROUTES[route]
    url = template.format(id=pending.id, ref=pending.sender_reference)
    anonymous = api(None)
    response = anonymous.get(url) if method == "GET" else anonymous.post(url, json=body)
    assert response.status_code == 401
    client = api(actors[who])
    response = client.get(url) if method == "GET" else client.post(url, json=body)
    assert response.status_code == EXPECTED[who][route], response.get_json()
    if response.status_code >= 400:
        db.session.expire_all()
        assert db.session.get(CaseTransfer, pending.id).state.value == "pending"
    if route == "list" and who in ("zj_supervisor", "js_officer", "sysadmin"):
        assert response.get_json()["items"] == []


def test_the_openapi_document_describes_the_transfer_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (
        "/transfers",
        "/transfers/{transfer_id}",
        "/transfers/{transfer_id}/accept",
        "/transfers/{transfer_id}/refuse",
        "/transfers/{transfer_id}/withdraw",
        "/cases/{reference}/transfer",
    ):
        assert path in paths, path
