"""Ids in paths are ASCII digits, else 404 (never a 500, never ３ read as 3), in the API and
on the pages; every time in an API answer carries its zone."""

from __future__ import annotations

import datetime as dt
import io

from app.evidence.services import Upload
from app.joint.services import act_on_task, create_task
from tests.joint_world import PDF
from tests.ui_helpers import sign_in

FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _task(joint):
    task = create_task(
        joint["case"],
        joint["sh_officer"],
        agency=joint["js_part"].agency,
        kind="interview",
        title="询问合作作者",
        description="",
        due_in_days=5,
        assignee=joint["js_officer"],
    )
    act_on_task(task, "accept", joint["js_officer"])
    upload = Upload(io.BytesIO(PDF), "a.pdf")
    act_on_task(task, "progress", joint["js_officer"], body="已约谈", upload=upload)
    return task


def test_api_ids_in_other_digits_are_not_found(api, joint):
    task = _task(joint)
    client = api(joint["js_officer"])
    assert client.get(f"/api/v1/joint/tasks/{task.id}").status_code == 200
    for other in (str(task.id).translate(FULLWIDTH), str(task.id).translate(SUPERSCRIPT)):
        response = client.get(f"/api/v1/joint/tasks/{other}")
        assert response.status_code == 404, other
        assert response.mimetype == "application/problem+json"
    for path in ("/api/v1/reviews/%C2%B2", "/api/v1/transfers/３", "/api/v1/reviews/²/vote"):
        assert client.get(path).status_code == 404, path
    assert client.post("/api/v1/transfers/３/accept", json={}).status_code == 404


def test_page_ids_in_other_digits_are_not_found(client, joint):
    task = _task(joint)
    sign_in(client, joint["js_officer"])
    assert client.get(f"/joint/tasks/{task.id}").status_code == 200
    assert client.get(f"/joint/tasks/{str(task.id).translate(FULLWIDTH)}").status_code == 404
    assert client.get(f"/joint/tasks/{str(task.id).translate(SUPERSCRIPT)}").status_code == 404


def test_openapi_document_declares_ids_as_integers(api):
    document = api(None).get("/api/v1/openapi.json").get_json()
    params = document["paths"]["/reviews/{review_id}"]["get"]["parameters"]
    assert params[0]["schema"]["type"] == "integer"


def _times(value, path="") -> list[tuple[str, str]]:
    """Every string in an answer that reads as a date and time, with where it is."""
    found = []
    if isinstance(value, dict):
        for key, v in value.items():
            found += _times(v, f"{path}.{key}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += _times(v, f"{path}[{i}]")
    elif isinstance(value, str) and len(value) > 10 and value[10:11] == "T":
        try:
            dt.datetime.fromisoformat(value)
        except ValueError:
            return found
        found.append((path, value))
    return found


def test_every_api_time_carries_a_zone(api, joint):
    task = _task(joint)
    client = api(joint["js_officer"])
    answers = [
        client.get(f"/api/v1/joint/tasks/{task.id}").get_json(),
        client.get(f"/api/v1/cases/{joint['case'].reference}").get_json(),
        api(joint["sh_supervisor"]).get(f"/api/v1/cases/{joint['case'].reference}").get_json(),
    ]
    times = [t for answer in answers for t in _times(answer)]
    assert any(path.startswith(".reports") for path, _v in times)
    naive = [(p, v) for p, v in times if dt.datetime.fromisoformat(v).tzinfo is None]
    assert naive == []
