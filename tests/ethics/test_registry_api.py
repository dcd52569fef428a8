"""API v1 of the registry and annual reports: the office files, the authority answers and
reads its overdue lists; refusals are problem+json and change nothing; every route for an
anonymous caller, another province, the wrong role and the right one; the region's summary
carries no particulars."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.auth.services import create_token
from app.committees.services import end_seat
from app.core.calendar import as_of, today
from app.ethics.registry_models import AnnualReport, Registration
from tests.ethics.test_annual import registered

BODY = {"charter": "章程全文", "contact_name": "王秘书", "contact_phone": "021-55550000"}


def _headers(db, user) -> dict:
    token = create_token(user)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_filing_answering_and_reports_through_the_api(db, client, world):
    office, authority = _headers(db, world.office), _headers(db, world.supervisor)
    base = f"/api/v1/ethics/registry/committees/{world.panel.id}"
    bad = client.post(f"{base}/registrations", json={"charter": "x"}, headers=office)
    assert bad.status_code == 422 and _count(db, Registration) == 0
    filed = client.post(f"{base}/registrations", json=BODY, headers=office)
    assert filed.status_code == 201, filed.get_json()
    body = filed.get_json()
    assert body["number"] == 1 and body["state"] == "submitted" and len(body["members"]) == 8
    lists = client.get("/api/v1/ethics/registry/overdue", headers=authority).get_json()
    assert [r["id"] for r in lists["registrations_to_accept"]] == [body["id"]]
    answer = f"/api/v1/ethics/registry/registrations/{body['id']}/answer"
    refused = client.post(answer, json={"decision": "return"}, headers=authority)
    assert refused.status_code == 422
    accepted = client.post(answer, json={"decision": "accept"}, headers=authority)
    assert accepted.status_code == 200 and accepted.get_json()["state"] == "accepted"
    again = client.post(answer, json={"decision": "accept"}, headers=authority)
    assert again.status_code == 409 and again.get_json()["code"] == "answered"

    year = today().year
    report = {"year": year, "kind": "work", "summary": "总结"}
    early = client.post(f"{base}/annual-reports", json=report, headers=office)
    assert early.status_code == 409 and early.get_json()["code"] == "year_not_ended"
    with as_of(dt.date(year + 1, 1, 20)):
        no_reason = client.post(
            f"{base}/annual-reports", json={**report, "figures": {"decided": 2}}, headers=office
        )
        assert no_reason.status_code == 422 and _count(db, AnnualReport) == 0
        made = client.post(
            f"{base}/annual-reports",
            json={**report, "figures": {"decided": 2}, "reasons": {"decided": "线下决定一件"}},
            headers=office,
        )
        assert made.status_code == 201, made.get_json()
        assert made.get_json()["corrections"][0]["reason"] == "线下决定一件"
        twice = client.post(f"{base}/annual-reports", json=report, headers=office)
        assert twice.status_code == 409 and twice.get_json()["code"] == "filed_twice"
    read = client.get(
        f"/api/v1/ethics/registry/annual-reports/{made.get_json()['id']}", headers=authority
    )
    assert read.status_code == 200 and read.get_json()["figures"]["decided"] == 2
    committee = client.get(base, headers=office).get_json()
    assert committee["status"] == "registered" and len(committee["reports"]) == 1


def test_a_filing_breaking_the_rules_names_them_through_the_api(db, client, world):
    for seat in [s for s in world.panel.seats if s.category.value == "legal"]:
        end_seat(world.admin, seat)
    office = _headers(db, world.office)
    refused = client.post(
        f"/api/v1/ethics/registry/committees/{world.panel.id}/registrations",
        json=BODY,
        headers=office,
    )
    assert refused.status_code == 409 and refused.get_json()["code"] == "composition"
    assert _count(db, Registration) == 0


@pytest.fixture
def filed(db, world):
    """A committee registered, with a report of last year and a filing of a change waiting."""
    registered(world)
    year = today().year
    from app.ethics import annual
    from app.ethics import registry as reg

    with as_of(dt.date(year + 1, 1, 20)):
        report = annual.file_report(world.office, world.unit_a, year, "work", {}, {}, "总结")
    waiting = reg.file_registration(
        world.office,
        world.unit_a,
        reg.RegistrationInput(
            charter="章程", contact_name="王", contact_phone="1", change_note="联系人变更"
        ),
    )
    db.session.commit()
    return {"report": report, "waiting": waiting, "year": year}


# name -> (method, path(w, f), body, who is refused with what, who succeeds with what)
ROUTES = {
    "summary": (
        "GET",
        lambda w, f: "/api/v1/ethics/registry",
        None,
        [("other_applicant", 403)],
        [("other_province", 200), ("office", 200)],
    ),
    "committee": (
        "GET",
        lambda w, f: f"/api/v1/ethics/registry/committees/{w.panel.id}",
        None,
        [("other_province", 404), ("applicant", 404)],
        [("office", 200), ("supervisor", 200)],
    ),
    "file": (
        "POST",
        lambda w, f: f"/api/v1/ethics/registry/committees/{w.panel.id}/registrations",
        {**BODY, "change_note": "委员变更"},
        [("other_province", 404), ("supervisor", 403)],
        [("office", 409)],  # a filing waits already
    ),
    "answer": (
        "POST",
        lambda w, f: f"/api/v1/ethics/registry/registrations/{f['waiting'].id}/answer",
        {"decision": "return", "reason": "请补充"},
        [("other_province", 404), ("office", 403)],
        [("supervisor", 200)],
    ),
    "overdue": (
        "GET",
        lambda w, f: "/api/v1/ethics/registry/overdue",
        None,
        [("office", 403), ("applicant", 403)],
        [("supervisor", 200), ("other_province", 200)],
    ),
    "report_file": (
        "POST",
        lambda w, f: f"/api/v1/ethics/registry/committees/{w.panel.id}/annual-reports",
        {"year": 2000, "kind": "work", "summary": "x"},
        [("other_province", 404), ("supervisor", 403)],
        [("office", 422)],  # a year before the committee was set up
    ),
    "report_get": (
        "GET",
        lambda w, f: f"/api/v1/ethics/registry/annual-reports/{f['report'].id}",
        None,
        [("other_province", 404), ("applicant", 404)],
        [("office", 200), ("supervisor", 200)],
    ),
    "listed": (
        "POST",
        lambda w, f: "/api/v1/ethics/registry/listed/NOPE-1",
        {},
        [("other_province", 404), ("office", 404)],
        [],
    ),
}


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_each_registry_route_for_each_kind_of_caller(db, client, world, filed, name):
    method, path, body, refused, allowed = ROUTES[name]
    url = path(world, filed)
    anonymous = client.open(url, method=method, json=body)
    assert anonymous.status_code == 401, name
    for who, status in [*refused, *allowed]:
        response = client.open(
            url, method=method, json=body, headers=_headers(db, getattr(world, who))
        )
        assert response.status_code == status, (name, who, response.get_json())


def test_another_province_learns_nothing_but_the_summary(db, client, world, filed):
    outsider = _headers(db, world.other_province)
    rows = client.get("/api/v1/ethics/registry", headers=outsider).get_json()["items"]
    mine = [r for r in rows if r["committee"] == world.panel.name]
    assert mine and set(mine[0]) == {"committee", "unit", "agency", "registered_on", "status"}
    text = str(rows)
    assert "021-55550000" not in text and "章程" not in text and "伦理委员3" not in text
    lists = client.get("/api/v1/ethics/registry/overdue", headers=outsider).get_json()
    assert world.panel.name not in str(lists)
    assert filed["waiting"].state.value == "submitted"


def test_an_approved_listed_activity_is_registered_through_the_api(db, client, world, make_user):
    from tests.ethics.test_registry import approved_listed

    application = approved_listed(world, db, make_user)
    office = _headers(db, world.office)
    url = f"/api/v1/ethics/registry/listed/{application.reference}"
    made = client.post(url, json={"note": "已登记"}, headers=office)
    assert made.status_code == 201, made.get_json()
    assert (
        made.get_json()["late"] is False and made.get_json()["reference"] == application.reference
    )
    again = client.post(url, json={}, headers=office)
    assert again.status_code == 409 and again.get_json()["code"] == "registered"
