"""A case walked from registration to closing through the HTML forms only."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.cases.models import Case, CaseState
from app.committees.models import Review
from app.core.calendar import today
from app.demo.conduct import standing_panel
from tests.conftest import password_hash
from tests.ui_helpers import ids, page_version, registration_form, sign_in, text


@pytest.fixture
def people(make_user):
    return {
        "officer": make_user("SH", roles=("officer",), display_name="赵诚信"),
        "colleague": make_user("SH", roles=("officer",), display_name="钱调查"),
        "supervisor": make_user("SH", roles=("supervisor",), display_name="孙负责"),
        "reviewer": make_user("SH", roles=("supervisor",), display_name="李复查"),
    }


def _step(client, ref, name, **data):
    data.setdefault("version", page_version(client, ref))
    response = client.post(f"/cases/{ref}/transitions/{name}", data=data)
    assert response.status_code == 302, text(response)[:2000]
    return client.get(response.headers["Location"])


def _state(db, ref) -> CaseState:
    db.session.expire_all()
    return db.session.scalar(select(Case.state).where(Case.reference == ref))


def test_a_case_goes_from_registration_to_closed_through_the_forms(client, db, people):
    sign_in(client, people["officer"])
    response = client.post("/cases/new", data=registration_form(received_date=today().isoformat()))
    assert response.status_code == 302
    ref = response.headers["Location"].rsplit("/", 1)[-1]
    page = text(client.get(f"/cases/{ref}"))
    assert "王芳" in page and "南京某生物科技有限公司" in page and "未参与研究者被列为作者" in page

    _step(client, ref, "start_preliminary_review")
    assert _state(db, ref) == CaseState.preliminary_review

    for member in (people["officer"], people["colleague"]):
        sign_in(client, member)  # each declares, through the form, that they have no conflict
        assert client.post(f"/cases/{ref}/conflicts", data={"none": "1"}).status_code == 302
    sign_in(client, people["supervisor"])
    for member, role in ((people["officer"], "lead"), (people["colleague"], "investigator")):
        response = client.post(
            f"/cases/{ref}/team",
            data={"user_id": member.id, "team_role": role, "version": page_version(client, ref)},
        )
        assert response.status_code == 302
    assert "钱调查" in text(client.get(f"/cases/{ref}"))

    _step(client, ref, "open_investigation", reason="线索具体，符合立案条件")
    _step(client, ref, "suspend_investigation", reason="关键证人暂时无法联系")
    assert _state(db, ref) == CaseState.suspended
    _step(client, ref, "resume_investigation", reason="证人已返回")
    assert _state(db, ref) == CaseState.investigating

    sign_in(client, people["officer"])
    # One finding per allegation and respondent: 王芳 falsified the image (the first
    # allegation); the company is cleared of both.
    page = text(client.get(f"/cases/{ref}"))
    rows = re.findall(r'name="finding-(\d+)-allegation_id" value="(\d+)"', page)
    parties = dict(re.findall(r'name="finding-(\d+)-party_id" value="(\d+)"', page))
    allegations = list(dict.fromkeys(a for _i, a in rows))
    first_party = min(parties.values(), key=int)
    findings = {"report": "经比对，图像重复使用属实。"}
    for i, allegation_id in rows:
        found = allegation_id == allegations[0] and parties[i] == first_party
        findings |= {
            f"finding-{i}-allegation_id": allegation_id,
            f"finding-{i}-party_id": parties[i],
            f"finding-{i}-outcome": "misconduct" if found else "no_misconduct",
            f"finding-{i}-severity": "serious" if found else "",
            f"finding-{i}-aggravating": "拒不配合调查" if found else "",
        }
    assert len(rows) == 4
    _step(client, ref, "submit_findings", **findings)
    assert _state(db, ref) == CaseState.findings

    sign_in(client, people["supervisor"])
    _step(client, ref, "return_for_investigation", reason="需补充原始数据核查")
    sign_in(client, people["officer"])
    _step(client, ref, "submit_findings", **findings)
    panel = standing_panel(people["officer"].agency)
    _step(client, ref, "refer_to_committee", panel_id=panel.id, questions="认定是否成立？")
    assert _state(db, ref) == CaseState.committee_review

    review_id = db.session.scalar(
        select(Review.id).join(Case).where(Case.reference == ref, Review.status == "open")
    )
    members = db.session.get(Review, review_id).members
    url = f"/committees/reviews/{review_id}"
    for member in members:  # each member declares and votes through the review page
        member.seat.expert.user.password_hash = password_hash()
        db.session.commit()
        sign_in(client, member.seat.expert.user)
        assert client.post(f"{url}/declaration", data={"conflict": "none"}).status_code == 302
        vote = {"choice": "endorse", "opinion": "同意调查组认定意见"}
        assert client.post(f"{url}/vote", data=vote).status_code == 302
    sign_in(client, next(m for m in members if m.role.value == "chair").seat.expert.user)
    meeting = {f"attendance-{m.id}": "present" for m in members} | {"minutes": "审议纪要"}
    assert client.post(f"{url}/meeting", data=meeting).status_code == 302
    assert client.post(f"{url}/close", data={}).status_code == 302
    assert _state(db, ref) == CaseState.pre_decision_notice

    sign_in(client, people["officer"])
    for party_id in sorted(set(parties.values()), key=int):  # each respondent's notice
        response = client.post(
            f"/cases/{ref}/defence",
            data={
                "party_id": party_id,
                "received_on": today().isoformat(),
                "statement": "当事人书面放弃陈述申辩。",
                "version": page_version(client, ref),
            },
        )
        assert response.status_code == 302

    sign_in(client, people["supervisor"])
    party = ids(client, ref, r"sanction-\d+-party_id")[0]
    page = _step(
        client,
        ref,
        "issue_decision",
        decision_text="认定存在数据造假行为，给予通报批评。",
        decided_on=today().isoformat(),
        **{
            "sanction-0-party_id": party,
            "sanction-0-sanction_type": "notice_of_criticism",
            "sanction-0-start_date": today().isoformat(),
        },
    )
    assert _state(db, ref) == CaseState.decided
    assert "认定存在数据造假行为" in text(page)

    sign_in(client, people["officer"])
    _step(
        client, ref, "request_review", reason="被处理人申请复查", requested_on=today().isoformat()
    )
    assert _state(db, ref) == CaseState.under_review

    sign_in(client, people["reviewer"])  # not the supervisor who issued the decision
    _step(client, ref, "decide_review", reason="复查维持原决定", outcome="upheld")
    assert _state(db, ref) == CaseState.decided

    sign_in(client, people["officer"])
    page = text(_step(client, ref, "close_case"))
    assert _state(db, ref) == CaseState.closed
    assert 'data-testid="no-actions"' in page
    timeline = page.split('data-testid="timeline"', 1)[1]
    for reason in ("线索具体，符合立案条件", "需补充原始数据核查", "复查维持原决定"):
        assert reason in timeline


@pytest.mark.parametrize(
    ("name", "extra", "target"),
    [
        ("not_accept", {}, CaseState.not_accepted),
        ("transfer_case", {"target_agency": "JS"}, CaseState.transfer_pending),
    ],
)
def test_preliminary_review_can_end_without_investigation(
    client, db, people, make_case, name, extra, target
):
    case = make_case(state=CaseState.preliminary_review, by=people["officer"])
    sign_in(client, people["supervisor"])
    _step(client, case.reference, name, reason="依规处理", **extra)
    assert _state(db, case.reference) == target


def test_an_investigation_can_be_terminated_after_confirmation(client, db, people, make_case):
    case = make_case(state=CaseState.investigating, by=people["officer"])
    sign_in(client, people["supervisor"])
    page = text(client.get(f"/cases/{case.reference}"))
    form = page.split('data-transition="terminate_investigation"', 1)[1].split("</form>")[0]
    assert "data-confirm=" in form
    _step(client, case.reference, "terminate_investigation", reason="被举报人已去世")
    assert _state(db, case.reference) == CaseState.terminated
