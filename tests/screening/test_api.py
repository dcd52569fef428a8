"""The screening API: a list as JSON rows or as a file, its progress, its rows; refusals as
problem+json; the operations in the OpenAPI document."""

from __future__ import annotations

import io

from app.auth.services import create_token
from app.extensions import db
from tests.screening.support import HIT_ID, publish_record, valid_id, xlsx


def _headers(make_user, agency="ZJ", roles=("screener",)):
    token = create_token(make_user(agency, roles=roles), "grants")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_a_json_list_is_screened_and_its_rows_read(make_case, make_user, client):
    record = publish_record(make_case, make_user)
    headers = _headers(make_user)
    body = {
        "purpose": "2026年度人才计划",
        "rows": [
            {"name": "张伟", "id_type": "resident_id", "id_number": HIT_ID},
            {"name": "王芳", "id_number": valid_id("11010119900307123")},
            {"name": "", "id_number": "1"},
        ],
    }
    started = client.post("/api/v1/screenings", json=body, headers=headers)
    assert started.status_code == 202, started.json
    screening_id = started.json["id"]
    status = client.get(f"/api/v1/screenings/{screening_id}", headers=headers).json
    assert status["status"] == "finished" and status["progress"] == 100
    assert status["counts"] == {"rows": 3, "bad": 1, "clear": 1, "record": 1, "objection": 0}
    hits = client.get(f"/api/v1/screenings/{screening_id}/rows?state=record", headers=headers)
    assert hits.json["total"] == 1
    assert hits.json["items"][0]["matches"][0]["record_id"] == record.record_uid
    assert HIT_ID not in hits.get_data(as_text=True)
    everything = client.get(f"/api/v1/screenings/{screening_id}/rows", headers=headers).json
    assert [r["state"] for r in everything["items"]] == ["record", "clear", "bad"]
    other = _headers(make_user, agency="JS")
    assert client.get(f"/api/v1/screenings/{screening_id}", headers=other).status_code == 404


def test_a_file_is_screened_too(make_case, make_user, client):
    publish_record(make_case, make_user)
    headers = _headers(make_user)
    data = {
        "purpose": "职称评审",
        "file": (io.BytesIO(xlsx([["张伟", "", HIT_ID, "复旦大学"]])), "list.xlsx"),
    }
    started = client.post(
        "/api/v1/screenings/file", data=data, headers=headers, content_type="multipart/form-data"
    )
    assert started.status_code == 202 and started.json["counts"]["record"] == 1


def test_refusals_are_problems_and_keep_nothing(make_user, client):
    from sqlalchemy import func, select

    from app.screening.models import Screening

    for path in ("/api/v1/screenings/1", "/api/v1/screenings/1/rows"):
        assert client.get(path).status_code == 401
    assert client.post("/api/v1/screenings", json={}).status_code == 401
    headers = _headers(make_user)
    empty = client.post("/api/v1/screenings", json={"purpose": "", "rows": []}, headers=headers)
    assert empty.status_code == 422 and empty.content_type == "application/problem+json"
    assert {e["field"] for e in empty.json["errors"]} == {"purpose", "file"}
    not_a_list = client.post(
        "/api/v1/screenings/file",
        data={"purpose": "x", "file": (io.BytesIO(b"%PDF-1.4"), "a.xlsx")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert not_a_list.status_code == 422
    officer = _headers(make_user, agency="ZJ", roles=("officer",))
    body = {"purpose": "x", "rows": [{"name": "张伟", "id_number": HIT_ID}]}
    assert client.post("/api/v1/screenings", json=body, headers=officer).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Screening)) == 0


def test_the_openapi_document_describes_screening(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "post" in paths["/screenings"]
    upload = paths["/screenings/file"]["post"]["requestBody"]["content"]
    assert upload["multipart/form-data"]["schema"]["properties"]["file"]["format"] == "binary"
    assert "get" in paths["/screenings/{screening_id}/rows"]
