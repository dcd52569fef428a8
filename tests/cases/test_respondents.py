"""Findings, notices, sanctions and records per respondent: in a case with two respondents
one may be found at fault and the other cleared; each is served a notice and answers it;
the decision sanctions only the one at fault, with as many sanctions as it imposes; only
they get a record. Services, pages, API and dossier alike."""

from __future__ import annotations

import datetime as dt

import pytest

from app.cases.models import CaseState, FindingOutcome
from app.cases.services import record_defence
from app.cases.workflow import perform
from app.core.calendar import today
from app.core.errors import GuardFailed, InvalidInput
from app.demo import scenario
from app.dossiers.loader import DossierContext, load_decision, load_findings
from app.dossiers.models import DossierLevel
from app.records.services import draft_record, suggested_draft
from tests.conftest import scenario_supervisor
from tests.respondents_support import lead as _lead
from tests.respondents_support import two_authors_case

S = CaseState


@pytest.fixture
def two_authors(make_case):
    return lambda state: two_authors_case(make_case, state)


def test_a_finding_is_given_for_every_respondent_and_one_may_be_cleared(two_authors):
    case = two_authors(S.investigating)
    wang, chen = case.respondents
    per_allegation = [{"allegation_id": a.id, "outcome": "misconduct", "severity": "serious"}
                      for a in case.allegations]  # fmt: skip
    with pytest.raises(InvalidInput):
        perform(case, _lead(case), "submit_findings", expected_version=None, report="报告",
                findings=per_allegation)  # fmt: skip
    assert case.state == S.investigating and not case.findings
    only_wang = [dict(f, party_id=wang.id) for f in per_allegation]
    with pytest.raises(InvalidInput, match="每一名被调查人"):
        perform(case, _lead(case), "submit_findings", expected_version=None, report="报告",
                findings=only_wang)  # fmt: skip
    perform(case, _lead(case), "submit_findings", expected_version=None, report="报告",
            findings=scenario.findings_for(case, cleared=lambda p: p is chen))  # fmt: skip
    assert case.state == S.findings
    assert {(f.party.name, f.outcome) for f in case.findings} == {
        ("王磊", FindingOutcome.misconduct),
        ("陈静", FindingOutcome.no_misconduct),
    }
    assert case.respondents_at_fault == [wang]


def test_each_respondent_is_served_a_notice_and_answers_it(two_authors):
    case = two_authors(S.pre_decision_notice)
    wang, chen = case.respondents
    assert [(n.party.name, n.served_on) for n in case.notices] == [
        ("王磊", case.notice_served_on),
        ("陈静", case.notice_served_on),
    ]
    with pytest.raises(InvalidInput) as refused:
        record_defence(case, today(), "申辩", _lead(case))  # whose statement?
    assert refused.value.field == "party_id"
    record_defence(case, today(), "王磊承认认定事实。", _lead(case), party_id=wang.id)
    assert case.defence_received_on is None  # 陈静's is still awaited
    record_defence(case, today(), "陈静放弃陈述申辩。", _lead(case), party_id=chen.id)
    assert case.defence_received_on == today()
    assert [n.defence_statement for n in case.notices] == [
        "王磊承认认定事实。",
        "陈静放弃陈述申辩。",
    ]


def _sanction(party, kind, **more):
    return {"party_id": party.id, "sanction_type": kind, **more}


def test_the_decision_sanctions_only_the_respondent_at_fault_with_several_sanctions(two_authors):
    case = two_authors(S.pre_decision_notice)
    wang, chen = case.respondents
    supervisor = scenario_supervisor(case)
    ban = _sanction(wang, "ban_state_funded_activity", end_date="2029-12-31")

    def issue(sanctions):
        perform(case, supervisor, "issue_decision", expected_version=None,
                decision_text="决定", sanctions=sanctions)  # fmt: skip

    with pytest.raises(InvalidInput, match="陈静"):
        issue([ban, _sanction(chen, "notice_of_criticism")])
    with pytest.raises(InvalidInput, match="王磊"):
        issue([])
    assert case.state == S.pre_decision_notice and not case.sanctions
    issue([ban, _sanction(wang, "notice_of_criticism")])
    assert case.state == S.decided
    assert [(s.party.name, s.sanction_type.value) for s in case.decisions[0].sanctions] == [
        ("王磊", "ban_state_funded_activity"),
        ("王磊", "notice_of_criticism"),
    ]


def test_a_cleared_respondent_gets_no_record(two_authors, client, login):
    case = two_authors(S.decided)
    wang, chen = case.respondents
    officer = case.created_by
    with pytest.raises(GuardFailed):
        draft_record(case, officer, suggested_draft(case, chen))
    record = draft_record(case, officer, suggested_draft(case, wang))
    assert record.subject_name == "王磊"
    login(officer)
    form = client.get(f"/cases/{case.reference}/record").get_data(as_text=True)
    assert "王磊" in form and "陈静" not in form.split('name="party_id"')[1].split("</select>")[0]


def test_the_case_page_shows_each_respondents_finding_and_notice(two_authors, client, login):
    case = two_authors(S.pre_decision_notice)
    login(scenario_supervisor(case))
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert page.count('data-testid="notice"') == 2
    assert page.count('data-testid="finding"') == 2
    assert "王磊: 存在失信行为 (较重)" in page and "陈静: 不存在失信行为" in page
    issue = page.split('data-transition="issue_decision"')[1].split("</details>")[0]
    chen_block = issue.split('data-testid="sanctions-of"')[2]
    assert 'data-testid="not-at-fault"' in chen_block and "<select" not in chen_block


def test_the_dossier_shows_each_respondents_finding_and_notice(two_authors):
    case = two_authors(S.decided)
    ctx = DossierContext(case, case.created_by, DossierLevel.internal, False)
    rows = [(r["respondent"], r["outcome"]) for r in load_findings(ctx)["rows"]]
    assert [name for name, _ in rows] == ["王磊", "陈静"] and rows[0][1] != rows[1][1]
    notices = load_decision(ctx)["notices"]
    assert [(n["party"], bool(n["received_on"])) for n in notices] == [
        ("王磊", True),
        ("陈静", True),
    ]
    assert dt.date.fromisoformat(notices[0]["served_on"]) == case.notice_served_on


def test_the_demo_has_a_case_with_one_respondent_at_fault_and_one_cleared(db, monkeypatch):
    from sqlalchemy import select

    from app.cases.models import Case
    from app.demo import data
    from app.demo.loader import load_demo
    from app.records.models import IntegrityRecord

    monkeypatch.setattr(data, "STATE_SPREAD", {S.decided: 1})
    assert load_demo() == 1
    case = db.session.scalar(select(Case).order_by(Case.id))  # the plan's, before the rest
    assert [p.name for p in case.respondents] == ["王磊", "陈静"]
    assert [p.name for p in case.respondents_at_fault] == ["王磊"]
    assert len(case.notices) == 2 and all(n.defence_statement for n in case.notices)
    assert {s.sanction_type.value for s in case.sanctions} == {
        "ban_state_funded_activity",
        "notice_of_criticism",
    }
    records = db.session.scalars(select(IntegrityRecord).where(IntegrityRecord.case_id == case.id))
    assert [r.subject_name for r in records] == ["王磊"]
