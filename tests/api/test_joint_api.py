"""API v1 for joint investigations: inviting, answering, leaving and ending, tasks and their
steps (an attachment included); each refusal changes nothing, other agencies get 404."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import func, select

from app.cases.models import CaseState, HistoryEntry
from app.core.models import AuditEntry
from app.evidence.models import EvidenceItem
from app.extensions import db
from app.joint.models import Participation, Task, TaskReport
from app.joint.services import ASSIGNEE_STEPS, LEAD_STEPS, create_task
from tests.joint_world import PDF

MODELS = (Participation, Task, TaskReport, HistoryEntry, AuditEntry, EvidenceItem)


def _counts():
    db.session.expire_all()
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in MODELS)


@pytest.fixture
def task(joint):
    made = create_task(
        joint["case"],
        joint["sh_officer"],
        agency=joint["js_part"].agency,
        kind="obtain_records",
        title="调取实验原始记录",
        description="南京实验室",
        due_in_days=5,
        assignee=joint["js_officer"],
    )
    db.session.commit()
    return made


def _attachment(content: bytes = PDF + b"api") -> dict:
    return {"filename": "原始记录.pdf", "content_base64": base64.b64encode(content).decode()}


def test_a_joint_investigation_walks_through_the_api(api, joint):
    ref = joint["case"].reference
    invited = api(joint["sh_supervisor"]).post(
        f"/api/v1/cases/{ref}/joint/invitations",
        json={"agencies": ["ZJ"], "message": "请浙江协助调取记录"},
    )
    assert invited.status_code == 201, invited.get_json()
    (zj,) = invited.get_json()["invitations"]
    assert zj["agency"] == "ZJ" and zj["status"] == "pending"
    zj_officer = joint["zj_officer"].username
    answered = api(joint["zj_supervisor"]).post(
        f"/api/v1/joint/invitations/{zj['id']}/answer",
        json={"answer": "accept", "officers": [zj_officer]},
    )
    assert answered.status_code == 200 and answered.get_json()["officers"] == [zj_officer]
    created = api(joint["sh_officer"]).post(
        f"/api/v1/cases/{ref}/tasks",
        json={
            "agency": "ZJ",
            "kind": "site_visit",
            "title": "现场核查杭州实验室",
            "due_in_days": 7,
            "assignee": zj_officer,
        },
    )
    assert created.status_code == 201, created.get_json()
    task = created.get_json()
    assert task["status"] == "open" and task["assignee"] == zj_officer
    steps = f"/api/v1/joint/tasks/{task['id']}/steps"
    worker = api(joint["zj_officer"])
    assert worker.post(steps, json={"step": "accept"}).get_json()["status"] == "accepted"
    reported = worker.post(
        steps, json={"step": "progress", "body": "已到现场", "attachment": _attachment()}
    )
    assert reported.status_code == 200, reported.get_json()
    item_id = reported.get_json()["reports"][-1]["attachment"]
    item = db.session.get(EvidenceItem, item_id)
    assert item.visibility.value == "shared" and item.added_by_id == joint["zj_officer"].id
    done = worker.post(steps, json={"step": "complete", "body": "核查完成"})
    assert done.get_json()["status"] == "completed"
    closed = api(joint["sh_officer"]).post(steps, json={"step": "close", "body": "结果采纳"})
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    detail = api(joint["zj_supervisor"]).get(f"/api/v1/joint/tasks/{task['id']}").get_json()
    assert [r["action"] for r in detail["reports"]] == ["progress", "complete", "close"]


@pytest.mark.parametrize("how", ["remove", "withdraw", "end"])
def test_leaving_through_the_api_ends_access(api, joint, how):
    ref, p = joint["case"].reference, joint["js_part"]
    if how == "end":
        response = api(joint["sh_supervisor"]).post(
            f"/api/v1/cases/{ref}/joint/end", json={"reason": "调查转为本地"}
        )
        assert response.status_code == 200 and response.get_json()["active"] is False
    else:
        actor = joint["sh_supervisor"] if how == "remove" else joint["js_supervisor"]
        response = api(actor).post(
            f"/api/v1/joint/participations/{p.id}/{how}", json={"reason": "任务结束"}
        )
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["status"] == {"remove": "removed", "withdraw": "withdrawn"}[how]
    for who in ("js_officer", "js_supervisor"):
        assert api(joint[who]).get(f"/api/v1/cases/{ref}").status_code == 404


def _refusals(joint, task):
    ref, p = joint["case"].reference, joint["js_part"].id
    invite = f"/api/v1/cases/{ref}/joint/invitations"
    tasks = f"/api/v1/cases/{ref}/tasks"
    steps = f"/api/v1/joint/tasks/{task.id}/steps"
    new_task = {"agency": "JS", "kind": "interview", "title": "询问", "due_in_days": 3}
    return [
        # (actor, path, body, status, code)
        ("sh_supervisor", invite, {"agencies": ["SH"], "message": "m"}, 422, "invalid_input"),
        ("sh_supervisor", invite, {"agencies": ["JS"], "message": "m"}, 422, "invalid_input"),
        ("sh_supervisor", invite, {"agencies": ["XX"], "message": "m"}, 422, "invalid_input"),
        ("sh_supervisor", invite, {"agencies": [], "message": "m"}, 422, "invalid_input"),
        ("sh_officer", invite, {"agencies": ["ZJ"], "message": "m"}, 403, "not_allowed"),
        ("js_supervisor", invite, {"agencies": ["ZJ"], "message": "m"}, 403, "not_allowed"),
        ("sh_officer", f"/api/v1/cases/{ref}/joint/end", {"reason": "x"}, 403, "not_allowed"),
        ("sh_supervisor", f"/api/v1/cases/{ref}/joint/end", {"reason": ""}, 422, None),
        ("js_supervisor", f"/api/v1/joint/participations/{p}/remove", {"reason": "x"}, 403, None),
        ("sh_supervisor", f"/api/v1/joint/participations/{p}/withdraw", {"reason": "x"}, 403, None),
        ("sh_supervisor", tasks, {**new_task, "agency": "AH"}, 422, "invalid_input"),
        ("sh_supervisor", tasks, {**new_task, "assignee": "nobody"}, 422, "invalid_input"),
        ("sh_supervisor", tasks, {**new_task, "due_in_days": 0}, 422, "invalid_input"),
        ("sh_supervisor", tasks, {**new_task, "kind": "raid"}, 422, "invalid_input"),
        ("js_supervisor", tasks, new_task, 403, "not_allowed"),
        ("js_officer", steps, {"step": "complete", "body": "x"}, 409, "guard_failed"),
        ("sh_officer", steps, {"step": "accept"}, 403, "not_allowed"),
        ("js_other_officer", steps, {"step": "accept"}, 404, "not_found"),
        ("js_officer", steps, {"step": "close"}, 403, "not_allowed"),
        ("js_officer", steps, {"step": "burn"}, 422, "invalid_input"),
        (
            "js_officer",
            steps,
            {"step": "accept", "attachment": {"filename": "a.pdf", "content_base64": "%%"}},
            422,
            "invalid_input",
        ),
    ]


def test_refusals_say_why_and_change_nothing(api, joint, task):
    clients = {}
    for actor, path, body, status, code in _refusals(joint, task):
        client = clients.setdefault(actor, api(joint[actor]))
        before = _counts()
        response = client.post(path, json=body)
        assert response.status_code == status, (actor, path, body, response.get_json())
        assert response.mimetype == "application/problem+json"
        if code:
            assert response.get_json()["code"] == code, (actor, path, body)
        assert _counts() == before, (actor, path, body)


@pytest.mark.parametrize("who", ["zj_supervisor", "zj_officer", "ah_supervisor", "ah_officer"])
def test_other_agencies_get_404_on_every_joint_endpoint(api, joint, task, who):
    ref, p = joint["case"].reference, joint["js_part"].id
    client = api(joint[who])
    before = _counts()
    for path, body in (
        (f"/api/v1/cases/{ref}/joint/invitations", {"agencies": [who[:2].upper()], "message": "m"}),
        (f"/api/v1/cases/{ref}/joint/end", {"reason": "x"}),
        (
            f"/api/v1/cases/{ref}/tasks",
            {"agency": "JS", "kind": "other", "title": "t", "due_in_days": 2},
        ),
        (f"/api/v1/joint/participations/{p}/remove", {"reason": "x"}),
        (f"/api/v1/joint/participations/{p}/withdraw", {"reason": "x"}),
        (f"/api/v1/joint/tasks/{task.id}/steps", {"step": "accept"}),
    ):
        response = client.post(path, json=body)
        assert response.status_code == 404, (who, path)
        assert "调取实验原始记录" not in response.get_data(as_text=True)
    assert client.get(f"/api/v1/joint/tasks/{task.id}").status_code == 404
    assert client.get(f"/api/v1/cases/{ref}/joint").status_code == 404
    assert _counts() == before


def test_participants_read_a_task_without_internal_material(api, joint, task):
    body = api(joint["js_officer"]).get(f"/api/v1/joint/tasks/{task.id}")
    assert body.status_code == 200 and body.get_json()["description"] == "南京实验室"
    for secret in ("李娜", "13800000000", "内部笔记", "内部证据材料"):
        assert secret not in body.get_data(as_text=True)


def test_anonymous_calls_are_refused(api, joint, task):
    ref = joint["case"].reference
    assert api(None).post(f"/api/v1/cases/{ref}/tasks", json={}).status_code == 401
    assert api(None).get(f"/api/v1/joint/tasks/{task.id}").status_code == 401


def test_a_joint_case_is_not_transferred_through_the_api(api, joint, make_case, agency, snapshot):
    from app.joint.services import invite_agencies

    case = make_case(state=CaseState.preliminary_review, by=joint["sh_officer"])
    invite_agencies(case, [agency("JS")], "请协助", joint["sh_supervisor"], None)
    db.session.commit()
    lead = api(joint["sh_supervisor"])
    before = snapshot(case)
    response = lead.post(
        f"/api/v1/cases/{case.reference}/transfer",
        json={"target_agency": "ZJ", "reason": "属浙江管辖", "version": case.version},
    )
    assert response.status_code == 409 and response.get_json()["code"] == "joint_case"
    assert snapshot(case) == before
    pending = make_case(state=CaseState.preliminary_review, by=joint["sh_officer"])
    ok = lead.post(
        f"/api/v1/cases/{pending.reference}/transfer",
        json={"target_agency": "ZJ", "reason": "属浙江管辖", "version": pending.version},
    )
    assert ok.status_code == 201
    refused = lead.post(
        f"/api/v1/cases/{pending.reference}/joint/invitations",
        json={"agencies": ["JS"], "message": "请协助"},
    )
    assert refused.status_code == 409 and refused.get_json()["code"] == "transfer_pending"


def test_the_documented_steps_are_the_services_steps(client):
    document = client.get("/api/v1/openapi.json").get_json()
    step = document["components"]["schemas"]["TaskStep"]["properties"]["step"]
    assert set(step["enum"]) == set(ASSIGNEE_STEPS) | set(LEAD_STEPS)
    paths = document["paths"]
    for path in (
        "/cases/{reference}/joint/invitations",
        "/cases/{reference}/joint/end",
        "/joint/participations/{participation_id}/remove",
        "/joint/participations/{participation_id}/withdraw",
        "/cases/{reference}/tasks",
        "/joint/tasks/{task_id}",
        "/joint/tasks/{task_id}/steps",
    ):
        assert path in paths, path


@pytest.mark.parametrize("how", ["removed", "ended"])
def test_a_former_participant_gets_404_on_the_task_endpoints(api, joint, task, how):
    from app.joint.services import end_joint, remove_participant

    if how == "removed":
        remove_participant(joint["js_part"], "任务结束", joint["sh_supervisor"])
    else:
        end_joint(joint["case"], "不再联合", joint["sh_supervisor"])
    db.session.commit()
    ref = joint["case"].reference
    for who in ("js_officer", "js_supervisor"):
        client = api(joint[who])
        before = _counts()
        assert client.get(f"/api/v1/joint/tasks/{task.id}").status_code == 404
        steps = client.post(f"/api/v1/joint/tasks/{task.id}/steps", json={"step": "accept"})
        assert steps.status_code == 404
        assert client.get(f"/api/v1/cases/{ref}/joint").status_code == 404
        tasks = client.post(
            f"/api/v1/cases/{ref}/tasks",
            json={"agency": "JS", "kind": "other", "title": "t", "due_in_days": 2},
        )
        assert tasks.status_code == 404
        withdrawn = client.post(
            f"/api/v1/joint/participations/{joint['js_part'].id}/withdraw", json={"reason": "x"}
        )
        assert withdrawn.status_code in (403, 409)  # its own record: it no longer takes part
        assert _counts() == before
