"""Joint investigations: invitations and answers, the participants' shared level, leaving,
tasks, and the refusals that change nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import func, select

from app.cases.models import CaseState, HistoryEntry
from app.core.calendar import add_working_days, today
from app.core.errors import GuardFailed, InvalidInput, NotAllowed
from app.core.models import AuditEntry
from app.evidence.services import Upload
from app.extensions import db
from app.joint.models import Participation, ParticipationStatus, Task, TaskStatus
from app.joint.services import (
    accept_invitation,
    act_on_task,
    create_task,
    decline_invitation,
    end_joint,
    expire_invitations,
    invite_agencies,
    remove_participant,
    withdraw_participation,
)
from app.notifications.models import Notification
from tests.api.conftest import ApiClient
from tests.joint_world import (
    COMPLAINANT,
    FULL_ID,
    INTERNAL_EVIDENCE,
    INTERNAL_NOTE,
    PDF,
    SHARED_NOTE,
)
from tests.ui_helpers import sign_in, text


@pytest.fixture
def api(client):
    def make(user) -> ApiClient:
        from app.auth.services import create_token

        token = create_token(user)
        db.session.commit()
        return ApiClient(client, db, token)

    return make


@pytest.fixture
def zj_invited(joint, agency):
    """ZJ invited to the joint case, not yet answering."""
    (zj,) = invite_agencies(joint["case"], [agency("ZJ")], "请协助", joint["sh_supervisor"], None)
    return zj


@pytest.fixture
def lapsed(zj_invited):
    """ZJ's invitation, its answer date yesterday."""
    zj_invited.respond_by = today() - dt.timedelta(days=1)
    db.session.flush()
    return zj_invited


def _counts():
    db.session.expire_all()
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Participation, Task, HistoryEntry, AuditEntry)
    )


# --- invitations ------------------------------------------------------------------------


def test_invitation_defaults_to_the_agency_policy_in_working_days(joint):
    p = joint["js_part"]
    days = joint["case"].agency.policy.joint_response_days
    assert days == 10
    assert p.respond_by == add_working_days(p.invited_at.date(), days) or p.respond_by == (
        add_working_days(today(), days)
    )


def test_lead_sees_every_answer(client, joint):
    sign_in(client, joint["sh_supervisor"])
    html = client.get(f"/cases/{joint['case'].reference}").get_data(as_text=True)
    assert "本单位无管辖" in html  # AH's reason
    assert joint["js_officer"].display_name in html  # JS named its officer


def test_invited_supervisor_is_notified_without_case_content(joint):
    texts = db.session.scalars(
        select(Notification.text).where(Notification.user_id == joint["js_supervisor"].id)
    ).all()
    assert any(joint["case"].reference in t for t in texts)
    for t in texts:
        assert COMPLAINANT[0] not in t and joint["case"].title not in t


@pytest.mark.parametrize("code", ["SH", "JS"])
def test_inviting_own_agency_or_one_taking_part_is_refused(joint, agency, code):
    before = _counts()
    with pytest.raises(InvalidInput):
        invite_agencies(joint["case"], [agency(code)], "再次邀请", joint["sh_supervisor"], None)
    db.session.rollback()
    assert _counts() == before


def test_answering_twice_is_refused(joint):
    with pytest.raises(GuardFailed, match="已答复"):
        decline_invitation(joint["js_part"], "改变主意", joint["js_supervisor"])


def test_answering_a_lapsed_invitation_is_refused_and_marks_it_expired(joint, lapsed):
    zj = lapsed
    with pytest.raises(GuardFailed, match="逾期失效"):
        accept_invitation(zj, [joint["zj_officer"]], joint["zj_supervisor"])
    assert zj.status == ParticipationStatus.expired


def test_daily_expiry_marks_lapsed_invitations(joint, lapsed):
    zj = lapsed
    assert expire_invitations() == 1
    db.session.refresh(zj)
    assert zj.status == ParticipationStatus.expired


def test_only_the_invited_agencys_supervisor_answers(joint, zj_invited):
    zj = zj_invited
    for actor in (joint["zj_officer"], joint["js_supervisor"], joint["sh_supervisor"]):
        with pytest.raises(NotAllowed):
            accept_invitation(zj, [joint["zj_officer"]], actor)


def test_named_officers_must_be_the_agencys_own(joint, zj_invited):
    zj = zj_invited
    with pytest.raises(InvalidInput):
        accept_invitation(zj, [joint["js_officer"]], joint["zj_supervisor"])
    with pytest.raises(InvalidInput):
        accept_invitation(zj, [], joint["zj_supervisor"])


def test_a_case_becomes_joint_only_in_review_or_investigation(make_case, make_user, agency):
    supervisor = make_user("SH", roles=("supervisor",))
    case = make_case(state=CaseState.received)
    with pytest.raises(GuardFailed):
        invite_agencies(case, [agency("JS")], "请协助", supervisor, None)


# --- the shared level -------------------------------------------------------------------


def _assert_no_leak(text: str):
    for secret in (*COMPLAINANT, FULL_ID, INTERNAL_NOTE, INTERNAL_EVIDENCE):
        assert secret not in text, secret


@pytest.mark.parametrize("who", ["js_officer", "js_supervisor"])
def test_participant_sees_the_shared_part_only_in_html(client, joint, who):
    sign_in(client, joint[who])
    ref = joint["case"].reference
    pages = [client.get(f"/cases/{ref}"), client.get(f"/cases/{ref}/notes")]
    pages.append(client.get(f"/cases/{ref}/evidence"))
    for page in pages:
        assert page.status_code == 200
        _assert_no_leak(page.get_data(as_text=True))
    html = pages[0].get_data(as_text=True)
    assert joint["case"].title in html and "张伟" in html and SHARED_NOTE in html
    assert "3101**********123X" in html  # masked: region code and last four
    assert client.get(f"/cases/{ref}/complainant").status_code in (403, 404, 302) or (
        COMPLAINANT[0] not in client.get(f"/cases/{ref}/complainant").get_data(as_text=True)
    )


def test_participant_sees_no_leak_through_the_api(client, joint, api):
    response = api(joint["js_officer"]).get(f"/api/v1/cases/{joint['case'].reference}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    _assert_no_leak(body)
    data = response.get_json()
    assert data["complainant"] is None and data["team"] == []
    assert data["respondents"][0]["id_number_masked"] == "3101**********123X"
    assert all(h["reason"] is None for h in data["history"])


def test_participant_dossier_is_at_the_shared_level(app, joint):
    from pypdf import PdfReader

    from app.dossiers.models import Dossier, DossierLevel
    from app.dossiers.permissions import allowed_levels
    from app.dossiers.services import request_dossier

    case, officer = joint["case"], joint["js_officer"]
    assert allowed_levels(officer, case) == [DossierLevel.shared]
    with pytest.raises(NotAllowed):
        request_dossier(case, officer, DossierLevel.internal)
    db.session.rollback()
    request_dossier(case, officer, DossierLevel.shared)
    db.session.commit()
    dossier = db.session.scalar(select(Dossier).where(Dossier.requested_by_id == officer.id))
    reader = PdfReader(f"{app.config['FILE_STORE']}/{dossier.path}")
    text = "".join(page.extract_text() for page in reader.pages).replace("\n", "")
    _assert_no_leak(text)
    assert SHARED_NOTE in text and "请协助调查" in text  # the invitation is in the dossier


def test_unnamed_officer_of_a_participant_does_not_see_the_case(client, joint):
    sign_in(client, joint["js_other_officer"])
    assert client.get(f"/cases/{joint['case'].reference}").status_code == 404


@pytest.mark.parametrize("who", ["zj_officer", "zj_supervisor", "ah_supervisor", "ah_officer"])
def test_never_invited_and_declined_agencies_do_not_see_the_case(client, joint, who):
    sign_in(client, joint[who])
    assert client.get(f"/cases/{joint['case'].reference}").status_code == 404
    assert joint["case"].reference not in client.get("/cases").get_data(as_text=True)


def test_participant_adds_shared_evidence_and_notes_with_custody_and_audit(client, joint):
    case = joint["case"]
    sign_in(client, joint["js_officer"])
    response = client.post(
        f"/cases/{case.reference}/evidence",
        data={
            "title": "江苏调取的记录",
            "visibility": "internal",
            "files": (io.BytesIO(PDF + b"js"), "js.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    from app.evidence.models import CustodyEvent, EvidenceItem

    item = db.session.scalar(select(EvidenceItem).where(EvidenceItem.title == "江苏调取的记录"))
    assert item.visibility.value == "shared" and item.added_by_id == joint["js_officer"].id
    assert db.session.scalar(select(CustodyEvent).where(CustodyEvent.item_id == item.id))
    assert db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "evidence.add", AuditEntry.object_id == str(item.id)
        )
    )
    sign_in(client, joint["sh_officer"])
    assert "江苏调取的记录" in client.get(f"/cases/{case.reference}/evidence").get_data(
        as_text=True
    )


@pytest.mark.parametrize("step", ["terminate", "submit_findings", "suspend"])
def test_participant_attempting_a_workflow_step_is_refused(client, joint, step):
    case = joint["case"]
    sign_in(client, joint["js_supervisor"])
    before = (_counts(), case.state, case.version)
    response = client.post(
        f"/cases/{case.reference}/transitions/{step}",
        data={"version": case.version, "reason": "越权"},
    )
    assert response.status_code in (403, 404, 409)
    db.session.expire_all()
    assert (_counts(), case.state, case.version) == before


def test_participant_api_workflow_step_is_refused(joint, api):
    case = joint["case"]
    response = api(joint["js_supervisor"]).post(
        f"/api/v1/cases/{case.reference}/transitions",
        json={"to": "suspended", "version": case.version, "reason": "越权"},
    )
    assert response.status_code in (403, 409)
    db.session.expire_all()
    assert case.state == CaseState.investigating


# --- leaving ----------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["remove", "withdraw", "end"])
def test_leaving_ends_access_at_once(client, joint, how):
    case, p = joint["case"], joint["js_part"]
    if how == "remove":
        remove_participant(p, "任务结束", joint["sh_supervisor"])
    elif how == "withdraw":
        withdraw_participation(p, "人手不足", joint["js_supervisor"])
    else:
        end_joint(case, "调查转为本地", joint["sh_supervisor"])
    db.session.commit()
    for who in ("js_officer", "js_supervisor"):
        sign_in(client, joint[who])
        assert client.get(f"/cases/{case.reference}").status_code == 404


def test_only_the_lead_removes_and_only_the_participant_withdraws(joint):
    with pytest.raises(NotAllowed):
        remove_participant(joint["js_part"], "x", joint["js_supervisor"])
    with pytest.raises(NotAllowed):
        withdraw_participation(joint["js_part"], "x", joint["sh_supervisor"])
    with pytest.raises(NotAllowed):
        end_joint(joint["case"], "x", joint["sh_officer"])


# --- tasks ------------------------------------------------------------------------------


def _task(joint, **kw):
    return create_task(
        joint["case"],
        joint["sh_officer"],
        agency=kw.pop("agency", joint["js_part"].agency),
        kind=kw.pop("kind", "interview"),
        title=kw.pop("title", "询问合作作者"),
        description="",
        due_in_days=kw.pop("due_in_days", 5),
        assignee=kw.pop("assignee", joint["js_officer"]),
    )


def test_task_walks_accept_report_complete_close(joint):
    task = _task(joint)
    assert task.due_date == add_working_days(today(), 5)
    officer = joint["js_officer"]
    act_on_task(task, "accept", officer)
    report = act_on_task(
        task, "progress", officer, body="已约谈", upload=Upload(io.BytesIO(PDF + b"r"), "谈话.pdf")
    )
    assert report.evidence_item.visibility.value == "shared"
    act_on_task(task, "complete", officer, body="完成")
    act_on_task(task, "send_back", joint["sh_officer"], body="请补充签字")
    assert task.status == TaskStatus.accepted
    act_on_task(task, "complete", officer, body="已补充")
    act_on_task(task, "close", joint["sh_officer"])
    assert task.status == TaskStatus.closed
    assert db.session.scalar(
        select(func.count()).select_from(Notification).where(Notification.user_id == officer.id)
    )


def test_task_for_a_non_participant_is_refused(joint, agency):
    before = _counts()
    for code in ("ZJ", "AH", "SH"):
        with pytest.raises(InvalidInput):
            _task(joint, agency=agency(code), assignee=None)
    with pytest.raises(InvalidInput):
        _task(joint, assignee=joint["js_other_officer"])
    db.session.rollback()
    assert _counts() == before


def test_task_steps_out_of_turn_are_refused(joint):
    task = _task(joint)
    with pytest.raises(GuardFailed):
        act_on_task(task, "complete", joint["js_officer"], body="x")
    with pytest.raises(NotAllowed):
        act_on_task(task, "accept", joint["sh_officer"])
    with pytest.raises(NotAllowed):
        act_on_task(task, "accept", joint["js_other_officer"])
    with pytest.raises(NotAllowed):
        act_on_task(task, "close", joint["js_officer"])


def test_overdue_tasks_show_on_both_dashboards_and_in_the_reminder(client, joint):
    from app.jobs.schedule import PERIODIC
    from app.joint.tasks import send_task_reminders

    assert "app.joint.tasks.send_task_reminders" in {p.func for p in PERIODIC}

    task = _task(joint, title="逾期的调取任务")
    task.due_date = today() - dt.timedelta(days=2)
    db.session.commit()
    for who in ("sh_officer", "js_officer"):
        sign_in(client, joint[who])
        assert "逾期的调取任务" in client.get("/").get_data(as_text=True), who
    send_task_reminders()
    texts = db.session.scalars(
        select(Notification.text).where(
            Notification.user_id == joint["js_officer"].id,
            Notification.kind == "joint.task_overdue",
        )
    ).all()
    assert texts


def test_joint_page_lists_invitations_led_taken_part_and_tasks(client, joint, agency):
    invite_agencies(joint["case"], [agency("ZJ")], "请浙江协助", joint["sh_supervisor"], None)
    _task(joint, title="现场核查实验室")
    db.session.commit()
    sign_in(client, joint["zj_supervisor"])
    html = client.get("/joint").get_data(as_text=True)
    assert "请浙江协助" in html and joint["case"].reference in html
    _assert_no_leak(html)
    sign_in(client, joint["sh_supervisor"])
    html = client.get("/joint").get_data(as_text=True)
    assert joint["case"].reference in html and "现场核查实验室" in html
    sign_in(client, joint["js_officer"])
    html = client.get("/joint").get_data(as_text=True)
    assert "现场核查实验室" in html and joint["case"].title in html


# --- access matrix over every joint route ---------------------------------------------

LEADS = ("sh_officer", "sh_supervisor")
PARTS = ("js_officer", "js_supervisor")
OUTSIDERS = ("zj_supervisor", "ah_supervisor")  # never invited; declined


def _routes(w, task):
    ref, p = w["case"].reference, w["js_part"].id
    return {
        # name: (method, path, data, {actor: status}); every refusal changes nothing
        "case page": ("GET", f"/cases/{ref}", None, dict.fromkeys(LEADS + PARTS, 200)),
        "joint page": ("GET", "/joint", None, dict.fromkeys(LEADS + PARTS + OUTSIDERS, 200)),
        "task page": ("GET", f"/joint/tasks/{task.id}", None, dict.fromkeys(LEADS + PARTS, 200)),
        "task step": (
            "POST",
            f"/joint/tasks/{task.id}/progress",
            {"body": ""},
            {"sh_officer": 403, "sh_supervisor": 403, "js_officer": 409, "js_supervisor": 409},
        ),
        "invite": (
            "POST",
            f"/cases/{ref}/joint/invite",
            {"agencies": "JS", "message": "再次"},
            {"sh_officer": 403, "sh_supervisor": 422, "js_officer": 403, "js_supervisor": 403},
        ),
        "end": (
            "POST",
            f"/cases/{ref}/joint/end",
            {"reason": ""},
            {"sh_officer": 403, "sh_supervisor": 422, "js_officer": 403, "js_supervisor": 403},
        ),
        "answer": (
            "POST",
            f"/joint/invitations/{p}/answer",
            {"answer": "decline", "reason": "再答"},
            {"sh_officer": 403, "sh_supervisor": 403, "js_officer": 403, "js_supervisor": 409},
        ),
        "remove": (
            "POST",
            f"/joint/participations/{p}/remove",
            {"reason": ""},
            {"sh_officer": 403, "sh_supervisor": 422, "js_officer": 403, "js_supervisor": 403},
        ),
        "withdraw": (
            "POST",
            f"/joint/participations/{p}/withdraw",
            {"reason": ""},
            {"sh_officer": 403, "sh_supervisor": 403, "js_officer": 403, "js_supervisor": 422},
        ),
        "new task": (
            "POST",
            f"/cases/{ref}/tasks",
            {"title": ""},
            {"sh_officer": 422, "sh_supervisor": 422, "js_officer": 403, "js_supervisor": 403},
        ),
    }


ROUTE_NAMES = (
    "case page",
    "joint page",
    "task page",
    "task step",
    "invite",
    "end",
    "answer",
    "remove",
    "withdraw",
    "new task",
)


@pytest.mark.parametrize("route", ROUTE_NAMES)
def test_access_matrix(client, joint, route):
    task = _task(joint)
    db.session.commit()
    method, path, data, expected = _routes(joint, task)[route]
    for actor in LEADS + PARTS + OUTSIDERS:
        want = expected.get(actor, 404)
        sign_in(client, joint[actor])
        before = _counts()
        response = client.open(path, method=method, data=data)
        assert response.status_code == want, f"{route} as {actor}: {response.status_code}"
        if method == "POST":
            assert _counts() == before, f"{route} as {actor} changed something"
        if want == 200 and actor not in LEADS:
            _assert_no_leak(response.get_data(as_text=True))


@pytest.mark.parametrize("how", ["removed", "ended"])
def test_access_matrix_after_leaving(client, joint, how):
    task = _task(joint)
    if how == "removed":
        remove_participant(joint["js_part"], "任务结束", joint["sh_supervisor"])
    else:
        end_joint(joint["case"], "不再联合", joint["sh_supervisor"])
    db.session.commit()
    routes = _routes(joint, task)
    for actor in PARTS:
        sign_in(client, joint[actor])
        for name in ("case page", "task page", "task step", "invite", "end", "new task"):
            method, path, data, _expected = routes[name]
            response = client.open(path, method=method, data=data)
            assert response.status_code == 404, f"{name} as {actor} after {how}"
        html = client.get("/joint").get_data(as_text=True)
        assert joint["case"].reference not in html


# --- routing hint and policy ------------------------------------------------------------


def test_routing_hint_on_the_case_page(client, make_case, make_user):
    from app.cases.models import PartyType
    from app.cases.services import RespondentInput

    officer = make_user("SH", roles=("officer",))
    case = make_case(
        by=officer,
        respondents=[
            RespondentInput(
                name="张伟",
                party_type=PartyType.person,
                id_type="resident_id",
                id_number="31010119800101123X",
                institution="复旦大学",
                position="院长",
            ),
            RespondentInput(
                name="王芳",
                party_type=PartyType.person,
                id_type=None,
                id_number=None,
                institution="南京大学",
                position="教授",
            ),
        ],
    )
    db.session.commit()
    sign_in(client, officer)
    html = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert 'data-testid="routing-hint"' in html and "上级主管部门" in html
    plain = make_case(by=officer)
    db.session.commit()
    html = client.get(f"/cases/{plain.reference}").get_data(as_text=True)
    assert 'data-testid="routing-hint"' not in html


def test_invitation_answer_period_follows_the_agency_policy(joint, agency):
    joint["case"].agency.policy.joint_response_days = 4
    (zj,) = invite_agencies(joint["case"], [agency("ZJ")], "请协助", joint["sh_supervisor"], None)
    assert zj.respond_by == add_working_days(today(), 4)


# --- API --------------------------------------------------------------------------------


def test_api_answers_an_invitation_and_lists_tasks(joint, zj_invited, api):
    zj = zj_invited
    db.session.commit()
    url = f"/api/v1/joint/invitations/{zj.id}/answer"
    assert (
        api(joint["js_supervisor"]).post(url, json={"answer": "decline", "reason": "x"}).status_code
        == 404
    )
    assert (
        api(joint["zj_officer"]).post(url, json={"answer": "decline", "reason": "x"}).status_code
        == 403
    )
    zj_api = api(joint["zj_supervisor"])
    refused = zj_api.post(url, json={"answer": "accept", "officers": []})
    assert refused.status_code == 422
    ok = zj_api.post(url, json={"answer": "accept", "officers": [joint["zj_officer"].username]})
    assert ok.status_code == 200 and ok.get_json()["status"] == "accepted"
    assert zj_api.post(url, json={"answer": "decline", "reason": "x"}).status_code == 409
    _task(joint, title="API 任务")
    db.session.commit()
    tasks = api(joint["js_officer"]).get("/api/v1/joint/tasks").get_json()["tasks"]
    assert [t["title"] for t in tasks] == ["API 任务"]
    lead = api(joint["sh_officer"]).get(f"/api/v1/cases/{joint['case'].reference}/joint").get_json()
    assert {i["agency"] for i in lead["invitations"]} == {"JS", "AH", "ZJ"}
    part = api(joint["js_officer"]).get(f"/api/v1/cases/{joint['case'].reference}/joint")
    assert "本单位无管辖" not in part.get_data(as_text=True)
    assert (
        api(joint["ah_supervisor"])
        .get(f"/api/v1/cases/{joint['case'].reference}/joint")
        .status_code
        == 404
    )


def test_openapi_lists_the_joint_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/cases/{reference}/joint" in paths and "/joint/tasks" in paths
    assert "/joint/invitations/{participation_id}/answer" in paths


# --- joint and transfer exclude each other ----------------------------------------------


@pytest.fixture
def in_review(make_case, joint):
    """A second SH case, in preliminary review, led by the same team."""
    case = make_case(state=CaseState.preliminary_review, by=joint["sh_officer"])
    db.session.commit()
    return case


@pytest.mark.parametrize("answer", ["pending", "accepted"])
def test_a_joint_case_is_not_transferred(client, joint, agency, in_review, offer, answer):
    (js,) = invite_agencies(in_review, [agency("JS")], "请协助", joint["sh_supervisor"], None)
    if answer == "accepted":
        accept_invitation(js, [joint["js_officer"]], joint["js_supervisor"])
    db.session.commit()
    with pytest.raises(GuardFailed, match="联合调查") as refused:
        offer(in_review, joint["sh_supervisor"], to="ZJ")
    assert refused.value.code == "joint_case"
    db.session.rollback()
    sign_in(client, joint["sh_supervisor"])
    before = (_counts(), in_review.version)
    response = client.post(
        f"/cases/{in_review.reference}/transitions/transfer_case",
        data={"version": in_review.version, "reason": "属浙江管辖", "target_agency": "ZJ"},
    )
    assert response.status_code == 409
    assert "结束联合调查" in response.get_data(as_text=True)
    db.session.expire_all()
    assert (_counts(), in_review.version) == before
    assert in_review.state == CaseState.preliminary_review


@pytest.mark.parametrize("how", ["declined", "ended"])
def test_a_case_no_longer_joint_may_be_transferred(joint, agency, in_review, offer, how):
    (js,) = invite_agencies(in_review, [agency("JS")], "请协助", joint["sh_supervisor"], None)
    if how == "declined":
        decline_invitation(js, "无管辖", joint["js_supervisor"])
    else:
        end_joint(in_review, "改为移送", joint["sh_supervisor"])
    transfer = offer(in_review, joint["sh_supervisor"], to="ZJ")
    assert transfer is not None and in_review.state == CaseState.transfer_pending


def test_a_case_waiting_for_a_transfer_answer_is_not_made_joint(
    client, joint, agency, in_review, offer
):
    offer(in_review, joint["sh_supervisor"], to="ZJ")
    db.session.commit()
    with pytest.raises(GuardFailed, match="移送") as refused:
        invite_agencies(in_review, [agency("JS")], "请协助", joint["sh_supervisor"], None)
    assert refused.value.code == "transfer_pending"
    db.session.rollback()
    sign_in(client, joint["sh_supervisor"])
    before = _counts()
    response = client.post(
        f"/cases/{in_review.reference}/joint/invite", data={"agencies": "JS", "message": "请协助"}
    )
    assert response.status_code == 409 and "移送" in response.get_data(as_text=True)
    assert _counts() == before


# --- what the participants' forms offer ---------------------------------------------------


def _offered(html: str, select_id: str) -> set[str]:
    import re

    select = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    return set(re.findall(r'<option[^>]*value="([^"]+)"', select.group(1)))


@pytest.mark.parametrize("who", ["js_officer", "js_supervisor"])
def test_participant_forms_offer_shared_only(client, joint, who):
    ref = joint["case"].reference
    sign_in(client, joint[who])
    evidence = client.get(f"/cases/{ref}/evidence").get_data(as_text=True)
    assert _offered(evidence, "ev-vis") == {"shared"} and _offered(evidence, "ph-vis") == {"shared"}
    assert 'data-testid="shared-only"' in evidence
    notes = client.get(f"/cases/{ref}/notes").get_data(as_text=True)
    assert _offered(notes, "visibility") == {"shared"}
    assert "本机关添加的材料均与牵头机关共享" in notes
    sign_in(client, joint["sh_officer"])
    lead = client.get(f"/cases/{ref}/notes").get_data(as_text=True)
    assert _offered(lead, "visibility") == {"internal", "shared"}
    lead = client.get(f"/cases/{ref}/evidence").get_data(as_text=True)
    assert _offered(lead, "ev-vis") == {"internal", "shared"}


def test_a_forged_internal_note_of_a_participant_is_refused(client, joint):
    from app.notes.models import CaseNote

    ref = joint["case"].reference
    sign_in(client, joint["js_officer"])
    form = {"kind": "note", "title": "江苏笔记", "happened_on": today().isoformat()}
    form["body"] = "江苏核查记录"
    before = db.session.scalar(select(func.count()).select_from(CaseNote))
    refused = client.post(f"/cases/{ref}/notes", data={**form, "visibility": "internal"})
    assert refused.status_code == 422 and "江苏核查记录" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(CaseNote)) == before
    shared = client.post(f"/cases/{ref}/notes", data={**form, "visibility": "shared"})
    assert shared.status_code == 302
    note = db.session.scalar(select(CaseNote).where(CaseNote.title == "江苏笔记"))
    assert note.visibility.value == "shared"


def test_a_forged_internal_physical_item_of_a_participant_is_shared(client, joint):
    from app.evidence.models import EvidenceItem

    sign_in(client, joint["js_officer"])
    response = client.post(
        f"/cases/{joint['case'].reference}/evidence/physical",
        data={"title": "江苏封存的实验记录本", "visibility": "internal", "location": "南京"},
    )
    assert response.status_code == 302
    title = EvidenceItem.title
    item = db.session.scalar(select(EvidenceItem).where(title == "江苏封存的实验记录本"))
    assert item.visibility.value == "shared"


# --- the routing hint at registration -----------------------------------------------------


def _registration(**respondents):
    from tests.ui_helpers import registration_form

    form = registration_form()
    for key in [k for k in form if k.startswith("respondents-")]:
        del form[key]
    form.update(respondents)
    return form


HEAD_OF_UNIT = {
    "respondents-0-name": "张伟",
    "respondents-0-party_type": "person",
    "respondents-0-id_type": "resident_id",
    "respondents-0-id_number": "31010119800101123X",
    "respondents-0-institution": "复旦大学",
    "respondents-0-position": "院长",
}
TWO_PROVINCES = {
    "respondents-0-name": "王芳",
    "respondents-0-party_type": "person",
    "respondents-0-id_type": "resident_id",
    "respondents-0-id_number": "320102198502021231",
    "respondents-0-position": "副教授",
    "respondents-1-name": "张伟",
    "respondents-1-party_type": "person",
    "respondents-1-id_type": "resident_id",
    "respondents-1-id_number": "31010119800101123X",
    "respondents-1-position": "教授",
}


@pytest.mark.parametrize(
    "respondents, hint",
    [(HEAD_OF_UNIT, "上级主管部门"), (TWO_PROVINCES, "联合调查")],
    ids=["head of unit", "two provinces"],
)
def test_registration_form_shows_the_routing_hint_for_the_respondents_typed(
    client, make_user, respondents, hint
):
    from app.cases.models import Case

    sign_in(client, make_user("SH", roles=("officer",)))
    before = db.session.scalar(select(func.count()).select_from(Case))
    page = client.post("/cases/new", data=_registration(add="hint", **respondents))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-testid="routing-hint"' in html and hint in html
    assert "张伟" in html  # what was typed stays
    adding = client.post("/cases/new", data=_registration(add="respondent", **respondents))
    assert hint in adding.get_data(as_text=True)
    refused = client.post("/cases/new", data=_registration(title="", **respondents))
    assert refused.status_code == 422 and hint in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Case)) == before
    registered = client.post("/cases/new", data=_registration(**respondents))
    assert registered.status_code == 302
    html = client.get(registered.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="routing-hint"' in html and hint in html  # the case page keeps it


def test_registration_form_shows_no_hint_for_one_local_respondent(client, make_user):
    sign_in(client, make_user("SH", roles=("officer",)))
    assert 'data-testid="routing-hint"' not in client.get("/cases/new").get_data(as_text=True)
    # The Shanghai respondent alone, registered in Shanghai (the Jiangsu one alone points to
    # Jiangsu's authority: tests/cases/test_routing_hints.py).
    plain = {
        k.replace("respondents-1-", "respondents-0-"): v
        for k, v in TWO_PROVINCES.items()
        if k.startswith("respondents-1-")
    }
    html = client.post("/cases/new", data=_registration(add="hint", **plain)).get_data(as_text=True)
    assert 'data-testid="routing-hint"' not in html


def test_participation_and_task_states_keep_their_own_labels(app):
    from flask_babel import force_locale

    from app.core.labels import label

    with app.test_request_context(), force_locale("zh"):
        assert label(ParticipationStatus.accepted) == "参与中"
        assert label(TaskStatus.accepted) == "办理中"


# --- the joint investigation ends with the case (issue 20, item 12) ----------------------


def _ended_entry(case, state: str) -> HistoryEntry:
    db.session.expire_all()
    return db.session.scalar(
        select(HistoryEntry).where(
            HistoryEntry.case_id == case.id, HistoryEntry.action == f"joint.ended_{state}"
        )
    )


def test_terminating_the_case_ends_participations_invitations_and_open_tasks(
    client, joint, zj_invited
):
    from app.cases.workflow import perform

    case, lead = joint["case"], joint["sh_supervisor"]
    assigned = _task(joint)
    working = _task(joint, title="调取原始数据")
    act_on_task(working, "accept", joint["js_officer"])
    db.session.commit()
    perform(case, lead, "terminate_investigation", expected_version=None, reason="被举报人已去世")
    db.session.commit()
    db.session.expire_all()
    statuses = {p.agency.code: p.status for p in db.session.scalars(select(Participation))}
    assert statuses["JS"] == ParticipationStatus.ended  # taking part: ended
    assert statuses["ZJ"] == ParticipationStatus.ended  # invited, unanswered: ended too
    assert statuses["AH"] == ParticipationStatus.declined  # an answer stays as it was
    assert {db.session.get(Task, t.id).status for t in (assigned, working)} == {TaskStatus.ended}
    entry = _ended_entry(case, "terminated")
    assert entry is not None and entry.reason == "被举报人已去世"
    assert entry.details == {"state": "terminated", "participations": 2, "tasks": 2}
    lead.locale = "en"
    db.session.commit()
    sign_in(client, lead)
    timeline = text(client.get(f"/cases/{case.reference}")).split('data-testid="timeline"')[1]
    assert "Joint investigation ended: the investigation was terminated" in timeline
    for who in ("js_officer", "js_supervisor"):
        sign_in(client, joint[who])
        assert client.get(f"/cases/{case.reference}").status_code == 404
    with pytest.raises(GuardFailed):  # the ended invitation can no longer be answered
        accept_invitation(zj_invited, [joint["zj_officer"]], joint["zj_supervisor"])


def test_not_accepting_a_case_ends_its_joint_investigation(make_case, make_user, agency):
    from app.cases.workflow import perform

    officer = make_user("SH", roles=("officer",))
    lead = make_user("SH", roles=("supervisor",))
    case = make_case(state=CaseState.preliminary_review, by=officer)
    (js,) = invite_agencies(case, [agency("JS")], "请协助初核", lead, None)
    perform(case, lead, "not_accept", expected_version=None, reason="不属于科研失信")
    assert js.status == ParticipationStatus.ended
    entry = _ended_entry(case, "not_accepted")
    assert entry is not None and entry.details["participations"] == 1


def test_the_invited_supervisor_finds_the_invitation_and_reads_the_case_before_answering(
    client, joint, zj_invited
):
    db.session.commit()
    case = joint["case"]
    sign_in(client, joint["zj_supervisor"])
    dashboard = client.get("/").get_data(as_text=True)
    assert 'data-testid="joint-invitations"' in dashboard and case.reference in dashboard
    page = client.get("/joint").get_data(as_text=True)
    assert 'data-testid="invitation-summary"' in page
    assert case.title in page and case.summary in page and "抄袭" in page
    _assert_no_leak(page)  # the summary, never the complainant or internal material
    sign_in(client, joint["zj_officer"])  # supervisors answer: an officer is not asked
    assert 'data-testid="joint-invitations"' not in client.get("/").get_data(as_text=True)
