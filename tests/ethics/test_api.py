"""API v1 of ethics review: an applicant opens, fills and submits; the office returns with
one notice, then accepts; refusals are problem+json and change nothing."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.services import create_token
from app.ethics import services
from app.ethics.models import Application
from tests.ethics.conftest import TEXTS, upload


def _headers(db, user) -> dict:
    token = create_token(user)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_applicant_and_office_through_the_api(db, client, world):
    applicant, office = _headers(db, world.applicant), _headers(db, world.office)
    created = client.post(
        "/api/v1/ethics/applications", json={"title": "接口研究"}, headers=applicant
    )
    assert created.status_code == 201
    ref = created.get_json()["reference"]
    refused = client.post(f"/api/v1/ethics/applications/{ref}/submit", headers=applicant)
    assert refused.status_code == 422
    assert {e["field"] for e in refused.get_json()["errors"]} >= {"purpose", "consent_form"}
    saved = client.put(
        f"/api/v1/ethics/applications/{ref}",
        json={"title": "接口研究", "items": TEXTS},
        headers=applicant,
    )
    assert saved.status_code == 200 and saved.get_json()["content"]["funding"]
    row = db.session.scalar(select(Application).where(Application.reference == ref))
    services.add_attachment(world.applicant, row, "consent_form", upload())
    services.add_attachment(world.applicant, row, "pledge", upload(name="p.pdf"))
    db.session.commit()
    assert (
        client.post(f"/api/v1/ethics/applications/{ref}/submit", headers=applicant).status_code
        == 200
    )
    other = _headers(db, world.other_applicant)
    assert client.get(f"/api/v1/ethics/applications/{ref}", headers=other).status_code == 404
    wrong = client.post(
        f"/api/v1/ethics/applications/{ref}/accept",
        json={"procedure": "general"},
        headers=applicant,
    )
    assert wrong.status_code == 403
    returned = client.post(
        f"/api/v1/ethics/applications/{ref}/return",
        json={"missing": ["funding"], "note": "请补充"},
        headers=office,
    )
    assert returned.status_code == 200 and returned.get_json()["state"] == "returned"
    assert returned.get_json()["notices"][-1]["missing"] == ["funding"]
    client.post(f"/api/v1/ethics/applications/{ref}/submit", headers=applicant)
    accepted = client.post(
        f"/api/v1/ethics/applications/{ref}/accept", json={"procedure": "general"}, headers=office
    )
    assert accepted.status_code == 200 and accepted.get_json()["procedure"] == "general"
    assert accepted.get_json()["versions"] == 2
    summary = client.get(
        f"/api/v1/ethics/applications/{ref}", headers=_headers(db, world.supervisor)
    ).get_json()
    assert summary["level"] == "summary" and summary["content"] is None
