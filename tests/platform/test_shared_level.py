"""The shared level: a participating agency's officer reads the same case in their page, in
the API and in the shared dossier they generate; nothing the page withholds is in the PDF.

The case is the joint world's (SH leads, JS takes part, AH declined) walked on through
findings, a panel's review and a decision, with the complainant's identity granted to the
lead investigator."""

from __future__ import annotations

import re
import subprocess

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.cases.models import CaseState, SanctionType, Severity
from app.committees.models import Review
from app.core.labels import action_label, label
from app.demo import scenario
from app.dossiers.models import Dossier, DossierLevel
from app.extensions import db
from app.protection.identity import grant_complainant_access
from tests.api.conftest import ApiClient
from tests.conftest import scenario_actors
from tests.joint_world import COMPLAINANT, INTERNAL_NOTE, SHARED_NOTE
from tests.ui_helpers import sign_in


@pytest.fixture
def api(client):
    def make(user) -> ApiClient:
        from app.auth.services import create_token

        token = create_token(user)
        db.session.commit()
        return ApiClient(client, db, token)

    return make


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _contains(text: str, secret: str) -> bool:
    """`secret` in `text`, whitespace ignored; a name followed by a digit is another name
    (测试用户1 is not 测试用户12)."""
    return re.search(re.escape(_flat(secret)) + r"(?!\d)", text) is not None


def _decided_joint_case(joint):
    case = joint["case"]
    lead = case.lead
    grant_complainant_access(case, lead.id, joint["sh_supervisor"])
    scenario.walk(case, CaseState.decided, scenario_actors(case))
    db.session.commit()
    return case


def _withheld(joint, case) -> dict[str, str]:
    """What the leading agency keeps, by what it is."""
    review = db.session.scalar(select(Review).where(Review.case_id == case.id))
    with force_locale("zh"):
        secrets = {
            "investigation report": scenario.REPORT,
            "severity": str(label(Severity.serious)),
            "decision": scenario.DECISION_TEXT,
            "sanction": str(label(SanctionType.ban_state_funded_activity)),
            "defence": scenario.WAIVER,
            "panel questions": scenario.REFERRAL_QUESTIONS,
            "minutes": review.minutes,
            "grant of the complainant's identity": str(action_label("grant_complainant_access")),
            "team assignment": str(action_label("assign_member")),
            "complainant": COMPLAINANT[0],
            "complainant contact": COMPLAINANT[1],
            "internal note": INTERNAL_NOTE,
            "declined invitation's agency": joint["ah_part"].agency.name_zh,
            "declined invitation's reason": "本单位无管辖",
            "supervisor (an actor)": joint["sh_supervisor"].display_name,
        }
    for member in review.members:
        secrets[f"panel member {member.id}"] = member.seat.expert.user.display_name
        if member.opinion:
            secrets[f"opinion {member.id}"] = member.opinion
    for member in case.members:
        secrets[f"team member {member.user.username}"] = member.user.display_name
    return secrets


def _participant_dossier_text(app, client, case, officer) -> str:
    response = client.post(f"/cases/{case.reference}/dossiers", data={"level": "shared"})
    assert response.status_code == 302
    db.session.expire_all()
    dossier = db.session.scalar(
        select(Dossier).where(Dossier.case_id == case.id, Dossier.requested_by_id == officer.id)
    )
    assert dossier is not None and dossier.level == DossierLevel.shared
    path = f"{app.config['FILE_STORE']}/{dossier.path}"
    out = subprocess.run(["pdftotext", path, "-"], capture_output=True, check=True, text=True)
    return _flat(out.stdout)


def test_participant_dossier_withholds_what_the_participant_page_withholds(app, client, joint):
    case = _decided_joint_case(joint)
    officer = joint["js_officer"]
    sign_in(client, officer)
    page = client.get(f"/cases/{case.reference}")
    assert page.status_code == 200
    page_text = _flat(page.get_data(as_text=True))
    pdf_text = _participant_dossier_text(app, client, case, officer)

    # The two carry the same shared part.
    for shown in (case.title, "张伟", SHARED_NOTE, "共享证据"):
        assert _contains(page_text, shown) and _contains(pdf_text, shown), shown

    withheld = _withheld(joint, case)
    shown_on_page = [what for what, text in withheld.items() if _contains(page_text, text)]
    assert shown_on_page == []  # the page withholds every one of them
    leaked = [what for what, text in withheld.items() if _contains(pdf_text, text)]
    assert leaked == []
    for heading in ("调查认定", "审议", "处理决定", "调查组"):
        assert heading not in pdf_text or heading in page_text, heading


def test_participant_timeline_in_page_api_and_dossier_is_the_same_shared_one(
    app, client, joint, api
):
    """The declined agency's invitation and the grant of the complainant's identity are the
    lead's; the steps of the procedure and the participant's own invitation are shared."""
    case = _decided_joint_case(joint)
    body = api(joint["js_officer"]).get(f"/api/v1/cases/{case.reference}").get_json()
    actions = [h["action"] for h in body["history"]]
    assert "grant_complainant_access" not in actions and "assign_member" not in actions
    invited = [h for h in body["history"] if h["action"] == "joint.invite"]
    assert len(invited) == 1  # JS's own; AH's invitation is between SH and AH
    assert body["findings"] == [] and body["decisions"] == [] and body["team"] == []
    assert all(h["actor"] is None and h["reason"] is None for h in body["history"])


PRELIMINARY_FACTS = "初核核对：第三章与来源文献重合约四千字"


def _joint_case_with_preliminary_report(make_case, make_user, agency):
    """A SH case whose preliminary review report was recorded, then investigated jointly with
    JS and walked on to a decision."""
    from app.cases.preliminary import record_preliminary_report
    from app.joint.services import accept_invitation, invite_agencies
    from tests.conftest import scenario_supervisor

    case = make_case(state=CaseState.preliminary_review)
    record_preliminary_report(
        case,
        case.created_by,
        facts_checked=PRELIMINARY_FACTS,
        recommendation="open_investigation",
        reasons="初核理由：线索具体",
        based_on=None,
    )
    scenario.walk(case, CaseState.investigating, scenario_actors(case))
    js_officer = make_user("JS", roles=("officer",))
    (invitation,) = invite_agencies(
        case, [agency("JS")], "请协助调查", scenario_supervisor(case), None
    )
    accept_invitation(invitation, [js_officer], make_user("JS", roles=("supervisor",)))
    scenario.walk(case, CaseState.decided, scenario_actors(case))
    db.session.commit()
    return case, js_officer


def test_the_preliminary_report_is_in_the_internal_dossier_only(
    app, client, make_case, make_user, agency
):
    from app.dossiers.services import request_dossier

    case, js_officer = _joint_case_with_preliminary_report(make_case, make_user, agency)
    lead = case.lead.user
    request_dossier(case, lead, DossierLevel.internal)
    request_dossier(case, lead, DossierLevel.shared)
    db.session.expire_all()
    texts = {}
    for dossier in db.session.scalars(select(Dossier).where(Dossier.case_id == case.id)):
        path = f"{app.config['FILE_STORE']}/{dossier.path}"
        out = subprocess.run(["pdftotext", path, "-"], capture_output=True, check=True, text=True)
        texts[dossier.level] = _flat(out.stdout)
    internal, shared = texts[DossierLevel.internal], texts[DossierLevel.shared]
    assert "初核报告" in internal and _contains(internal, PRELIMINARY_FACTS)
    assert "初核理由：线索具体" in internal
    assert "初核报告" not in shared and not _contains(shared, PRELIMINARY_FACTS)
    # The participant's own shared dossier, and their page, carry none of it either.
    sign_in(client, js_officer)
    page_text = _flat(client.get(f"/cases/{case.reference}").get_data(as_text=True))
    pdf_text = _participant_dossier_text(app, client, case, js_officer)
    for text in (page_text, pdf_text):
        assert not _contains(text, PRELIMINARY_FACTS) and "初核理由" not in text


def test_shared_case_views_carry_no_deadline_the_participant_page_hides(
    app, client, make_case, make_user, agency, api
):
    """The participant's page shows no deadline of the lead's procedure; neither do the API's
    shared case nor the shared dossier (its summary gave the current deadline)."""
    case, js_officer = _joint_case_with_preliminary_report(make_case, make_user, agency)
    deadlines = {
        getattr(case, k).isoformat()
        for k in ("due_date", "defence_due", "review_request_due", "review_decision_due")
        if getattr(case, k) is not None
    }
    assert len(deadlines) >= 2  # the current deadline may be one of the others
    sign_in(client, js_officer)
    page_text = _flat(client.get(f"/cases/{case.reference}").get_data(as_text=True))
    assert not [d for d in deadlines if d in page_text]
    body = api(js_officer).get(f"/api/v1/cases/{case.reference}").get_json()
    assert {k: v for k, v in body["deadlines"].items() if v} == {}
    pdf_text = _participant_dossier_text(app, client, case, js_officer)
    assert "当前期限" not in pdf_text
    assert not [d for d in deadlines if d in pdf_text]
    # The lead's own API view keeps them.
    lead_body = api(case.lead.user).get(f"/api/v1/cases/{case.reference}").get_json()
    assert lead_body["deadlines"]["defence_due"] == case.defence_due.isoformat()
