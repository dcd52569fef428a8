"""What the case page offers and shows: the defence statement, the steps actually open, honest
confirmations, and a refused decision form that keeps what was chosen."""

from __future__ import annotations

import re

from app.cases.models import Case, CaseState
from app.cases.services import record_defence
from app.core.calendar import today
from app.demo.scenario import review
from tests.conftest import scenario_supervisor
from tests.ui_helpers import ids, page_version, sign_in, text


def _form(page: str, name: str) -> str:
    found = re.search(rf'<details[^>]*data-transition="{name}".*?</details>', page, re.S)
    assert found, f"the page offers no {name} step"
    return found.group(0)


def test_the_recorded_defence_statement_is_on_the_case_page(client, db, make_user, make_case):
    officer = make_user("SH", roles=("officer",), locale="en")
    case = make_case(state=CaseState.pre_decision_notice, by=officer)
    sign_in(client, officer)
    response = client.post(
        f"/cases/{case.reference}/defence",
        data={
            "received_on": today().isoformat(),
            "statement": "当事人书面申辩：图片系误用，已更正。",
            "version": page_version(client, case.reference),
        },
    )
    assert response.status_code == 302
    page = text(client.get(f"/cases/{case.reference}"))
    assert 'data-testid="defence"' in page
    assert "当事人书面申辩：图片系误用，已更正。" in page
    assert today().isoformat() in page


def test_no_step_message_is_not_shown_above_the_defence_form(client, make_user, make_case):
    officer = make_user("SH", roles=("officer",), locale="en")
    case = make_case(state=CaseState.pre_decision_notice, by=officer)
    sign_in(client, officer)
    page = text(client.get(f"/cases/{case.reference}"))
    assert "Record defence statement or waiver" in page
    assert 'data-testid="no-actions"' not in page
    assert "No step is open to you in this state." not in page


def test_no_step_message_is_shown_when_nothing_is_open(client, make_user, make_case):
    case = make_case(state=CaseState.pre_decision_notice)
    sign_in(client, make_user("SH", roles=("auditor",), locale="en"))
    page = text(client.get(f"/cases/{case.reference}"))
    assert "No step is open to you in this state." in page


def test_a_refused_decision_keeps_the_chosen_sanctions(client, db, make_user, make_case):
    officer = make_user("SH", roles=("officer",), locale="en")
    case = make_case(state=CaseState.pre_decision_notice, by=officer)
    record_defence(case, today(), "当事人放弃陈述申辩。", officer)
    db.session.commit()
    supervisor = scenario_supervisor(case)
    sign_in(client, supervisor)
    party = ids(client, case.reference, r"sanction-\d+-party_id")[0]
    response = client.post(
        f"/cases/{case.reference}/transitions/issue_decision",
        data={
            "version": page_version(client, case.reference),
            "decision_text": "",
            "decided_on": today().isoformat(),
            "sanction-0-party_id": party,
            "sanction-0-sanction_type": "notice_of_criticism",
            "sanction-0-start_date": "2026-04-01",
            "sanction-0-end_date": "2027-04-01",
        },
    )
    assert response.status_code == 422
    form = _form(text(response), "issue_decision")
    assert 'value="notice_of_criticism" selected' in form
    assert 'value="2026-04-01"' in form and 'value="2027-04-01"' in form
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == CaseState.pre_decision_notice


def test_review_request_is_not_offered_after_the_review_was_decided(client, db, make_case):
    case = make_case(state=CaseState.decided)
    sign_in(client, case.created_by)
    assert 'data-transition="request_review"' in text(client.get(f"/cases/{case.reference}"))
    review(case, "upheld")
    db.session.commit()
    page = text(client.get(f"/cases/{case.reference}"))
    assert 'data-transition="request_review"' not in page
    assert 'data-transition="close_case"' in page


def test_suspend_confirmation_says_it_can_be_resumed(client, make_user, make_case):
    case = make_case(state=CaseState.investigating)
    supervisor = scenario_supervisor(case)
    supervisor.locale = "en"
    sign_in(client, supervisor)
    page = text(client.get(f"/cases/{case.reference}"))
    suspend = _form(page, "suspend_investigation")
    assert "cannot be undone" not in suspend
    assert "resume" in suspend
    assert "This step cannot be undone." in _form(page, "terminate_investigation")
