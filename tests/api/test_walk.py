"""An API client walks a case from registration to closure through every state."""

from __future__ import annotations

from app.core.calendar import today
from app.demo.conduct import standing_panel
from tests.api.conftest import new_case_body

BASE = "/api/v1/cases"


def _move(client, case: dict, to: str, **params) -> dict:
    response = client.post(
        f"{BASE}/{case['reference']}/transitions",
        json={"to": to, "version": case["version"], **params},
    )
    assert response.status_code == 200, response.get_json()
    moved = response.get_json()
    assert moved["state"] == to
    assert moved["version"] > case["version"]
    return moved


def test_a_case_is_walked_from_received_to_closed_over_http(api, make_user):
    officer = make_user("JS", roles=("officer",))
    supervisor = make_user("JS", roles=("supervisor",))
    reviewer = make_user("JS", roles=("supervisor",))
    lead = make_user("JS", roles=("officer",))
    second = make_user("JS", roles=("officer",))
    as_officer, as_supervisor, as_lead = api(officer), api(supervisor), api(lead)
    now = today().isoformat()

    response = as_officer.post(BASE, json=new_case_body(received_date=now))
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    assert case["reference"].startswith(f"JS-{today().year}-")
    assert response.headers["Location"].endswith(f"/api/v1/cases/{case['reference']}")
    assert case["state"] == "received"
    assert [t["to"] for t in case["available_transitions"]] == ["preliminary_review"]

    case = _move(as_officer, case, "preliminary_review")
    for user, role in ((lead, "lead"), (second, "investigator")):
        declared = api(user).post(
            f"{BASE}/{case['reference']}/conflict-declarations", json={"kinds": []}
        )
        assert declared.status_code == 201, declared.get_json()
        response = as_supervisor.post(
            f"{BASE}/{case['reference']}/team",
            json={"user": user.username, "team_role": role, "version": case["version"]},
        )
        assert response.status_code == 200, response.get_json()
        case = response.get_json()
    assert {m["user"]: m["team_role"] for m in case["team"]} == {
        lead.username: "lead",
        second.username: "investigator",
    }
    case = _move(as_supervisor, case, "investigating", reason="线索具体，予以立案。")
    case = _move(as_supervisor, case, "suspended", reason="等待期刊答复。")
    case = _move(as_supervisor, case, "investigating", reason="期刊已答复。")
    allegation = case["allegations"][0]["id"]
    findings = [
        {
            "allegation_id": allegation,
            "outcome": "misconduct",
            "severity": "serious",
            "aggravating": "拒不配合调查",
        }
    ]
    case = _move(as_lead, case, "findings", report="调查报告：数据造假属实。", findings=findings)
    assert case["findings"][0]["outcome"] == "misconduct"
    panel = standing_panel(officer.agency)
    case = _move(as_officer, case, "committee_review", panel_id=panel.id, questions="是否成立？")
    refused = as_supervisor.post(
        f"{BASE}/{case['reference']}/transitions",
        json={"to": "pre_decision_notice", "version": case["version"], "reason": "代为记录"},
    )
    assert refused.status_code == 403  # only the panel's closed review moves the case
    reviews = api(panel.seats[0].expert.user).get("/api/v1/reviews").get_json()["items"]
    review_id = reviews[0]["id"]
    for seat in panel.seats:
        member = api(seat.expert.user)
        url = f"/api/v1/reviews/{review_id}"
        assert member.post(f"{url}/declaration", json={"conflict": "none"}).status_code == 200
        voted = member.post(f"{url}/vote", json={"choice": "endorse", "opinion": "同意。"})
        assert voted.status_code == 200, voted.get_json()
        assert voted.get_json()["package"]["reference"] == case["reference"]
    attendance = {m["id"]: "present" for m in review_members(review_id)}
    closed = api(panel.seats[0].expert.user).post(
        f"{url}/close", json={"attendance": attendance, "minutes": "审议纪要"}
    )
    assert closed.status_code == 200, closed.get_json()
    assert closed.get_json()["record"]["outcome"]
    case = as_officer.get(f"{BASE}/{case['reference']}").get_json()
    response = as_officer.post(
        f"{BASE}/{case['reference']}/defence",
        json={"received_on": now, "statement": "当事人放弃陈述申辩。", "version": case["version"]},
    )
    assert response.status_code == 200, response.get_json()
    case = response.get_json()
    party = case["respondents"][0]["id"]
    sanctions = [{"party_id": party, "sanction_type": "notice_of_criticism"}]
    case = _move(
        as_supervisor, case, "decided", decision_text="给予通报批评。", sanctions=sanctions
    )
    assert case["sanctions"][0]["sanction_type"] == "notice_of_criticism"
    case = _move(as_officer, case, "under_review", reason="当事人申请复查。", requested_on=now)
    refused = as_supervisor.post(  # the decider does not decide the review of it
        f"{BASE}/{case['reference']}/transitions",
        json={"to": "decided", "version": case["version"], "reason": "复查", "outcome": "upheld"},
    )
    assert refused.status_code == 403, refused.get_json()
    case = _move(api(reviewer), case, "decided", reason="复查维持。", outcome="upheld")
    assert case["review_outcome"] == "upheld"
    case = _move(as_officer, case, "closed")

    states = [
        h["to_state"]
        for h in case["history"]
        if h["action"] not in ("assign_member", "declare_conflicts") and h["to_state"]
    ]
    assert states == [
        "received",
        "preliminary_review",
        "investigating",
        "suspended",
        "investigating",
        "findings",
        "committee_review",
        "pre_decision_notice",
        "pre_decision_notice",  # the defence, recorded within the notice period
        "decided",
        "under_review",
        "decided",
        "closed",
    ]
    assert case["available_transitions"] == []
    assert as_officer.get(f"{BASE}/{case['reference']}").get_json()["state"] == "closed"


def test_detail_masks_identifiers_and_never_shows_the_complainant(api, make_user):
    officer = make_user("SH", roles=("officer",))
    client = api(officer)
    response = client.post(BASE, json=new_case_body())
    detail = client.get(f"{BASE}/{response.get_json()['reference']}")
    text = detail.get_data(as_text=True)
    assert "320102198502023456" not in text
    assert "3456" in text  # the last four, to tell respondents apart
    assert "赵敏" not in text
    assert "zhaomin@example.org" not in text
    assert detail.get_json()["complainant"] is None  # the registering officer is not granted


def review_members(review_id: int) -> list[dict]:
    from app.committees.models import Review
    from app.extensions import db

    return [{"id": m.id} for m in db.session.get(Review, review_id).members]
