"""A review (复查) is recorded beside the decision it reviewed: the original 处理决定 and its
sanctions stay, each dated, and the case page and both dossier levels show what the review
changed. Records are drafted from the decision in force."""

from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale
from pypdf import PdfReader
from sqlalchemy import select

from app.cases.models import Case, CaseState, DecisionKind, ReviewOutcome, SanctionType
from app.cases.workflow import perform
from app.core.calendar import today
from app.core.errors import InvalidInput
from app.demo.scenario import DECISION_TEXT
from app.dossiers.models import Dossier, DossierLevel
from app.dossiers.services import request_dossier
from app.records.services import suggested_draft
from tests.conftest import scenario_reviewer, scenario_supervisor
from tests.ui_helpers import page_version, sign_in, text

ORIGINAL = DECISION_TEXT
MODIFIED = "复查认为情节较轻，改为通报批评。"


def _request_review(case):
    perform(
        case,
        case.created_by,
        "request_review",
        expected_version=None,
        reason="被处理人申请复查",
        requested_on=case.decided_on,
    )


def _decide(case, outcome, **params):
    perform(
        case,
        scenario_reviewer(case),
        "decide_review",
        expected_version=None,
        reason="复查意见：" + outcome,
        outcome=outcome,
        **params,
    )


@pytest.fixture
def modified(db, make_case):
    """A case whose review replaced the three-year ban by a notice of criticism."""
    case = make_case(state=CaseState.decided)
    _request_review(case)
    party = case.respondents[0].id
    _decide(
        case,
        "modified",
        decision_text=MODIFIED,
        sanctions=[{"party_id": party, "sanction_type": "notice_of_criticism"}],
    )
    db.session.commit()
    return case


def test_a_modifying_review_keeps_the_original_decision_and_sanctions(db, modified):
    case = modified
    db.session.expire_all()
    original, review = case.decisions
    assert (original.kind, original.text) == (DecisionKind.decision, ORIGINAL)
    assert original.decided_on == case.decided_on
    assert (review.kind, review.review_outcome) == (DecisionKind.review, ReviewOutcome.modified)
    assert review.text == MODIFIED and review.decided_on == today()
    assert review.reason == "复查意见：modified"
    (banned,) = original.sanctions
    assert banned.sanction_type == SanctionType.ban_state_funded_activity
    assert banned.revoked_by is review and banned.revoked_on == today()
    (criticism,) = review.sanctions
    assert criticism.sanction_type == SanctionType.notice_of_criticism
    assert case.sanctions_in_force == [criticism]
    assert case.decision_text == MODIFIED  # the text in force


def test_a_modifying_review_without_sanctions_keeps_those_in_force(db, make_case):
    case = make_case(state=CaseState.decided)
    _request_review(case)
    _decide(case, "modified", decision_text=MODIFIED)
    original, review = case.decisions
    assert original.text == ORIGINAL
    assert review.sanctions == [] and review.revoked == []
    assert case.sanctions_in_force == original.sanctions


def test_an_overturning_review_revokes_what_was_in_force_and_keeps_the_decision(db, make_case):
    case = make_case(state=CaseState.decided)
    _request_review(case)
    _decide(case, "overturned")
    original, review = case.decisions
    assert original.text == ORIGINAL and review.text is None
    assert review.revoked == original.sanctions
    assert case.sanctions_in_force == []


@pytest.mark.parametrize(
    ("outcome", "params", "field"),
    [
        ("modified", {}, "decision_text"),
        ("upheld", {"decision_text": "另写一段"}, "decision_text"),
        ("overturned", {"sanctions": [{"party_id": 0, "sanction_type": "other"}]}, "sanctions"),
        ("modified", {"decision_text": MODIFIED, "sanctions": [{"sanction_type": "x"}]}, None),
    ],
)
def test_bad_review_input_is_refused_and_changes_nothing(db, make_case, outcome, params, field):
    case = make_case(state=CaseState.decided)
    _request_review(case)
    db.session.commit()
    with pytest.raises(InvalidInput) as refused:
        _decide(case, outcome, **params)
    db.session.rollback()
    if field:
        assert refused.value.field == field
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.state == CaseState.under_review
    assert [d.kind for d in case.decisions] == [DecisionKind.decision]
    assert case.decision_text == ORIGINAL and len(case.sanctions_in_force) == 1


def test_the_case_page_shows_the_decision_the_review_and_the_difference(client, db, modified):
    case = modified
    viewer = scenario_supervisor(case)
    viewer.locale = "en"
    sign_in(client, viewer)
    page = text(client.get(f"/cases/{case.reference}"))
    assert ORIGINAL in page and MODIFIED in page
    assert f"Decision · {case.decided_on.isoformat()}" in page
    assert f"Review: Modified · {today().isoformat()}" in page
    assert "What the review changed" in page
    assert "Revoked: 张伟 · Ban from state-funded S&amp;T activity" in page
    assert "Imposed instead: 张伟 · Notice of criticism" in page
    assert f"revoked on {today().isoformat()}" in page


def test_the_case_page_says_an_upheld_review_changed_nothing(client, db, make_case):
    case = make_case(state=CaseState.decided)
    _request_review(case)
    _decide(case, "upheld")
    db.session.commit()
    viewer = scenario_supervisor(case)
    viewer.locale = "en"
    sign_in(client, viewer)
    page = text(client.get(f"/cases/{case.reference}"))
    assert ORIGINAL in page and "Review: Upheld" in page
    assert "Nothing: the decision stays in force as it was." in page


def test_a_review_from_the_page_replaces_sanctions(client, db, make_case):
    case = make_case(state=CaseState.under_review)
    supervisor = scenario_reviewer(case)
    supervisor.locale = "en"
    db.session.commit()
    sign_in(client, supervisor)
    page = text(client.get(f"/cases/{case.reference}"))
    assert "New sanctions, if modified" in page
    response = client.post(
        f"/cases/{case.reference}/transitions/decide_review",
        data={
            "version": page_version(client, case.reference),
            "reason": "复查改判",
            "outcome": "modified",
            "decision_text": MODIFIED,
            "sanction-0-party_id": str(case.respondents[0].id),
            "sanction-0-sanction_type": "notice_of_criticism",
        },
    )
    assert response.status_code == 302, text(response)[:500]
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert [s.sanction_type for s in case.sanctions_in_force] == [SanctionType.notice_of_criticism]


def _dossier_text(app, db, case, level) -> str:
    request_dossier(case, case.lead.user, level)
    db.session.expire_all()
    dossier = db.session.scalar(
        select(Dossier).where(Dossier.case_id == case.id, Dossier.level == level)
    )
    reader = PdfReader(f"{app.config['FILE_STORE']}/{dossier.path}")
    return "".join(page.extract_text() for page in reader.pages).replace("\n", "")


def test_the_shared_dossier_leaves_the_decision_and_its_review_to_the_owning_agency(
    app, db, modified
):
    """The shared level is what a participating agency sees (app.cases.permissions): the
    decision, its review and the sanctions stay with the owning agency."""
    content = _dossier_text(app, db, modified, DossierLevel.shared)
    assert ORIGINAL not in content and MODIFIED not in content
    assert "撤销处理措施" not in content and "复查后现行有效的处理决定" not in content


def test_the_internal_dossier_carries_the_decision_the_review_and_the_difference(app, db, modified):
    content = _dossier_text(app, db, modified, DossierLevel.internal)
    assert "原处理决定" in content and ORIGINAL in content
    assert f"决定日期：{modified.decided_on.isoformat()}" in content
    assert "复查后现行有效的处理决定" in content
    assert MODIFIED in content
    assert "撤销处理措施：张伟" in content and "改为处理措施：张伟" in content
    assert f"复查决定（{today().isoformat()}）" in content


def test_records_are_drafted_from_the_decision_in_force(db, modified):
    draft = suggested_draft(modified, modified.respondents[0])
    assert draft.outcome == MODIFIED
    assert draft.effective_date == today()  # the replacing sanction starts with the review
    assert draft.term_end is None and not draft.lifetime


def test_the_api_takes_new_sanctions_with_a_modifying_review(client, db, make_case):
    from app.auth.services import create_token

    case = make_case(state=CaseState.under_review)
    supervisor = scenario_reviewer(case)
    token = create_token(supervisor)
    db.session.commit()
    response = client.post(
        f"/api/v1/cases/{case.reference}/transitions",
        json={
            "to": "decided",
            "version": case.version,
            "reason": "复查改判",
            "outcome": "modified",
            "decision_text": MODIFIED,
            "sanctions": [
                {
                    "party_id": case.respondents[0].id,
                    "sanction_type": "notice_of_criticism",
                    "start_date": (today() - dt.timedelta(days=1)).isoformat(),
                }
            ],
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["decision_text"] == MODIFIED
    kinds = [(d["kind"], d["review_outcome"]) for d in body["decisions"]]
    assert kinds == [("decision", None), ("review", "modified")]
    assert body["decisions"][0]["text"] == ORIGINAL
    revoked = [s for s in body["sanctions"] if s["revoked_on"]]
    assert [s["revoked_by_id"] for s in revoked] == [body["decisions"][1]["id"]]


def test_a_refused_review_from_the_page_keeps_the_input_and_changes_nothing(client, db, make_case):
    case = make_case(state=CaseState.under_review)
    supervisor = scenario_reviewer(case)
    supervisor.locale = "en"
    db.session.commit()
    sign_in(client, supervisor)
    response = client.post(
        f"/cases/{case.reference}/transitions/decide_review",
        data={
            "version": page_version(client, case.reference),
            "reason": "复查改判",
            "outcome": "upheld",
            "sanction-0-party_id": str(case.respondents[0].id),
            "sanction-0-sanction_type": "notice_of_criticism",
        },
    )
    page = text(response)
    assert response.status_code == 422
    assert "Only a modified decision has a new text or new sanctions" in page
    assert 'data-transition="decide_review" open' in page
    assert 'value="upheld" selected' in page and 'value="notice_of_criticism" selected' in page
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.state == CaseState.under_review and len(case.decisions) == 1


def test_the_supervisor_who_issued_the_decision_cannot_decide_its_review(client, db, make_case):
    """Issue 20, item 4: the review (复查) is decided by someone other than the original
    decider, on the page, over the API and in the service; the action is not offered."""
    from app.auth.services import create_token
    from app.core.errors import NotAllowed

    case = make_case(state=CaseState.under_review)
    decider = scenario_supervisor(case)
    assert case.decisions[0].decided_by_id == decider.id
    decider.locale = "en"
    token = create_token(decider)
    db.session.commit()
    with pytest.raises(NotAllowed) as refused:
        _decide_as(case, decider, "upheld")
    with force_locale("en"):
        assert "other than the one who issued the decision" in str(refused.value.message)
    assert "任何人不得复查本人作出的决定" in str(refused.value)
    db.session.rollback()
    sign_in(client, decider)
    page = text(client.get(f"/cases/{case.reference}"))
    assert 'data-transition="decide_review"' not in page
    response = client.post(
        f"/cases/{case.reference}/transitions/decide_review",
        data={"version": str(case.version), "reason": "复查维持", "outcome": "upheld"},
    )
    assert response.status_code == 403
    assert "nobody decides the review of their own decision" in text(response)
    response = client.post(
        f"/api/v1/cases/{case.reference}/transitions",
        json={"to": "decided", "version": case.version, "reason": "复查", "outcome": "upheld"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 403
    assert "other than the one who issued" in response.get_json()["detail"]
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.state == CaseState.under_review and len(case.decisions) == 1
    other = scenario_reviewer(case)
    other.locale = "en"
    db.session.commit()
    sign_in(client, other)
    assert 'data-transition="decide_review"' in text(client.get(f"/cases/{case.reference}"))
    _decide_as(case, other, "upheld")
    assert case.state == CaseState.decided


def _decide_as(case, user, outcome):
    perform(case, user, "decide_review", expected_version=None, reason="复查意见", outcome=outcome)
