"""A refused form names every problem at once: the interview form (the service's rules and
the form's own together), the joint task form (each message naming its field, its section
open again)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from app.core.calendar import today
from app.core.errors import InvalidInput
from app.joint.models import Task
from app.joint.services import create_task
from app.notes.models import CaseNote
from app.notes.services import NoteInput, add_note
from tests.ui_helpers import sign_in, text


def _feedback(page: str) -> list[str]:
    return re.findall(r'<div class="invalid-feedback d-block">([^<]*)</div>', page)


@pytest.fixture
def interview():
    tomorrow = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    return {
        "kind": "interview",
        "title": "",
        "happened_on": tomorrow,
        "interviewee": "",
        "body": "",
        "visibility": "internal",
    }


def test_the_interview_form_shows_every_problem_in_one_round(db, make_case, client, interview):
    case = make_case(state="investigating")
    user = case.lead.user
    user.locale = "en"
    sign_in(client, user)
    response = client.post(f"/cases/{case.reference}/notes", data=interview)
    assert response.status_code == 422
    shown = _feedback(text(response))
    for message in (
        "The date cannot be in the future.",
        "Name who was interviewed.",
        "This field is required.",  # title and record
    ):
        assert message in shown, (message, shown)
    assert len(shown) >= 4
    # Only the service's own rules broken: both shown, not one per round.
    response = client.post(
        f"/cases/{case.reference}/notes", data={**interview, "title": "谈话", "body": "要点"}
    )
    shown = _feedback(text(response))
    assert response.status_code == 422
    assert "The date cannot be in the future." in shown and "Name who was interviewed." in shown
    assert db.session.scalar(select(func.count()).select_from(CaseNote)) == 0


def test_the_note_service_names_every_problem(db, make_case):
    case = make_case(state="investigating")
    with pytest.raises(InvalidInput) as refused:
        add_note(
            case,
            case.lead.user,
            NoteInput(kind="interview", title="", happened_on=None, body=""),
        )
    assert set(refused.value.problems) == {"title", "body", "happened_on", "interviewee"}


def _task_form(joint, **changes):
    form = {
        "agency": joint["js_part"].agency.code,
        "kind": "interview",
        "title": "",
        "due_in_days": "0",
        "description": "",
    }
    form.update(changes)
    return form


def test_the_task_form_names_its_fields_and_opens_again(client, joint):
    user = joint["sh_officer"]
    user.locale = "en"
    sign_in(client, user)
    case = joint["case"]
    response = client.post(f"/cases/{case.reference}/tasks", data=_task_form(joint))
    assert response.status_code == 422
    page = text(response)
    error = page[page.index('data-testid="error"') :]
    error = error[: error.index("</div>")]
    assert "Title: This field is required." in error
    assert "Due in (working days): Enter a number from 1 to 120." in error
    form_start = page.rindex("<details", 0, page.index('data-testid="task-form"'))
    assert page[form_start : page.index(">", form_start)].startswith("<details open")
    assert 'value="interview" selected' in page


def test_the_task_form_in_chinese_names_the_field(client, joint):
    sign_in(client, joint["sh_officer"])
    case = joint["case"]
    response = client.post(
        f"/cases/{case.reference}/tasks", data=_task_form(joint, due_in_days="5")
    )
    page = text(response)
    assert response.status_code == 422 and "标题：此项为必填项。" in page


def test_the_task_service_names_every_problem(db, joint):
    with pytest.raises(InvalidInput) as refused:
        create_task(
            joint["case"],
            joint["sh_officer"],
            agency=None,
            kind="nonsense",
            title="",
            description="",
            due_in_days=0,
        )
    assert set(refused.value.problems) == {"kind", "title", "due_in_days", "agency"}
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Task)) == 0


def test_a_referral_names_every_problem(db, make_case, make_user):
    from app.cases.models import CaseState
    from app.demo.conduct import standing_panel
    from tests.review_support import refer

    officer = make_user("SH", roles=("officer",))
    case = make_case(state=CaseState.findings, by=officer)
    panel = standing_panel(case.agency)
    with pytest.raises(InvalidInput) as refused:
        refer(
            case,
            officer,
            panel,
            questions="",
            meeting_date=(dt.date.today() - dt.timedelta(days=2)).isoformat(),
            review_deadline="soon",
        )
    assert set(refused.value.problems) == {"questions", "meeting_date", "review_deadline"}


def test_registration_names_every_problem(db, make_user):
    from app.cases.models import Case, CaseSource
    from app.cases.services import CaseInput, RespondentInput, register_case

    officer = make_user("SH", roles=("officer",))
    data = CaseInput(
        title="  ",
        source=CaseSource.letter,
        received_date=today() + dt.timedelta(days=1),
        respondents=[RespondentInput(name="")],
    )
    with pytest.raises(InvalidInput) as refused:
        register_case(data, officer)
    assert set(refused.value.problems) == {
        "title",
        "received_date",
        "respondents",
        "allegations",
    }
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0


def _decided_record(make_case):
    from app.cases.models import CaseState
    from app.records.services import suggested_draft

    case = make_case(state=CaseState.decided)
    return case, suggested_draft(case, case.respondents[0])


def test_a_record_draft_names_every_problem(db, make_case):
    from app.records.models import IntegrityRecord
    from app.records.services import draft_record

    case, data = _decided_record(make_case)
    data.conduct, data.legal_basis, data.lifetime, data.term_end = "", " ", False, None
    with pytest.raises(InvalidInput) as refused:
        draft_record(case, case.created_by, data)
    assert set(refused.value.problems) == {"conduct", "legal_basis", "term_end"}
    named = refused.value.problems["legal_basis"]  # each named where shown together
    assert str(named.label) in str(refused.value.message)
    data.party_id = -1
    with pytest.raises(InvalidInput) as refused:
        draft_record(case, case.created_by, data)
    assert {"party_id", "conduct"} <= set(refused.value.problems)
    assert db.session.scalar(select(func.count()).select_from(IntegrityRecord)) == 0


def test_a_correction_and_an_amendment_name_every_problem(db, make_case, make_user):
    from app.demo.scenario import review
    from app.records.models import DraftStage
    from app.records.services import (
        amend_record,
        approve_record,
        draft_record,
        resubmit_record,
        return_record,
        terms_of,
    )

    case, data = _decided_record(make_case)
    admin = make_user("SH", roles=("agency_admin",))
    record = draft_record(case, case.created_by, data)
    return_record(record, admin, "请补充事实")
    wrong = terms_of(record)
    wrong.outcome, wrong.lifetime, wrong.term_end = "", True, dt.date(2099, 1, 1)
    with pytest.raises(InvalidInput) as refused:
        resubmit_record(record, case.created_by, wrong)
    assert set(refused.value.problems) == {"outcome", "term_end"}
    assert record.draft_stage == DraftStage.returned
    resubmit_record(record, case.created_by, terms_of(record))
    approve_record(record, admin)
    review(case, "modified")
    with pytest.raises(InvalidInput) as refused:
        amend_record(record, admin, wrong, "  ")
    assert set(refused.value.problems) == {"reason", "outcome", "term_end"}
    assert [v.version for v in record.versions] == [1]


def test_findings_name_every_problem(db, make_case):
    from app.cases.models import CaseState
    from app.cases.workflow import perform

    case = make_case(state=CaseState.investigating)
    with pytest.raises(InvalidInput) as refused:
        perform(
            case,
            case.lead.user,
            "submit_findings",
            expected_version=case.version,
            report=" ",
            findings=[],
        )
    assert set(refused.value.problems) == {"report", "findings"}
    assert case.state == CaseState.investigating


def test_a_decision_names_every_problem(db, make_case, make_user):
    from app.cases.models import CaseState
    from app.cases.workflow import perform

    case = make_case(state=CaseState.pre_decision_notice)
    supervisor = make_user("SH", roles=("supervisor",))
    with pytest.raises(InvalidInput) as refused:
        perform(
            case,
            supervisor,
            "issue_decision",
            expected_version=case.version,
            decision_text="",
            decided_on="yesterday",
            sanctions=[],
        )
    assert set(refused.value.problems) == {"decided_on", "decision_text", "sanctions"}
    assert case.state == CaseState.pre_decision_notice and not case.decisions


def test_a_review_outcome_names_every_problem_with_its_reason(db, make_case, make_user):
    from app.cases.models import CaseState
    from app.cases.workflow import perform

    case = make_case(state=CaseState.under_review)
    decider = make_user("SH", roles=("supervisor",))
    with pytest.raises(InvalidInput) as refused:
        perform(
            case,
            decider,
            "decide_review",
            expected_version=case.version,
            outcome="modified",
            decision_text="",
            sanctions=[{"party_id": "x"}],
            reason="",
        )
    assert set(refused.value.problems) == {"reason", "decision_text", "sanctions"}
    assert case.state == CaseState.under_review and case.review_outcome is None


def test_a_defence_names_every_problem(db, make_case):
    from app.cases.models import CaseState
    from app.cases.services import record_defence

    case = make_case(state=CaseState.pre_decision_notice)
    with pytest.raises(InvalidInput) as refused:
        record_defence(case, today() + dt.timedelta(days=1), " ", case.created_by, case.version)
    assert set(refused.value.problems) == {"received_on", "statement"}
    assert case.defence_received_on is None


def _marked(page: str, name: str) -> str:
    """The refused control named `name`: marked invalid and described by its message."""
    tag = re.search(rf'<(?:input|textarea|select)\b[^>]*\bname="{name}"[^>]*>', page)
    assert tag, name
    tag = tag.group(0)
    assert 'aria-invalid="true"' in tag and "is-invalid" in tag, tag
    described = re.search(r'aria-describedby="([^"]+)"', tag).group(1)
    note = re.search(
        rf'<div id="{described}"[^>]*><div class="invalid-feedback d-block">([^<]*)', page
    )
    assert note, (described, page)
    return note.group(1)


def test_a_refused_step_marks_each_input_it_names(client, db, make_user, make_case):
    from app.cases.models import Case, CaseState
    from app.cases.services import record_defence
    from tests.conftest import scenario_supervisor
    from tests.ui_helpers import page_version

    officer = make_user("SH", roles=("officer",), locale="en")
    case = make_case(state=CaseState.pre_decision_notice, by=officer)
    record_defence(case, today(), "当事人放弃陈述申辩。", officer)
    db.session.commit()
    supervisor = scenario_supervisor(case)
    supervisor.locale = "en"
    db.session.commit()
    sign_in(client, supervisor)
    response = client.post(
        f"/cases/{case.reference}/transitions/issue_decision",
        data={
            "version": page_version(client, case.reference),
            "decision_text": "",
            "decided_on": "2026-13-40",
            "reason": "依据调查结论",
        },
    )
    assert response.status_code == 422
    page = text(response)
    form = page[page.index('data-transition="issue_decision"') :]
    form = form[: form.index("</details>")]
    assert _marked(form, "decision_text") == "The decision text is required."
    assert _marked(form, "decided_on") == "Enter the date as YYYY-MM-DD."
    assert 'value="2026-13-40"' in form and "依据调查结论</textarea>" in form  # kept
    assert 'aria-invalid="true"' not in form[form.index('name="reason"') :]
    # The top alert still sums up every problem.
    alert = page[page.index('data-testid="error"') :]
    alert = alert[: alert.index("</div>")]
    assert "The decision text is required." in alert and "YYYY-MM-DD" in alert
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == CaseState.pre_decision_notice


def test_the_team_form_marks_the_person_and_the_role_in_one_round(client, db, make_case):
    from tests.conftest import scenario_supervisor

    case = make_case(state="investigating")
    supervisor = scenario_supervisor(case)
    supervisor.locale = "en"
    db.session.commit()
    sign_in(client, supervisor)
    response = client.post(
        f"/cases/{case.reference}/team",
        data={"version": case.version, "user_id": "", "team_role": "chief"},
    )
    assert response.status_code == 422
    page = text(response)
    form = page[page.rindex(f'action="/cases/{case.reference}/team"') :]  # the adding form
    assert _marked(form, "user_id") == "Choose a person to add to the team."
    assert _marked(form, "team_role") == "Choose a team role from the list."
    alert = page[page.index('data-testid="error"') :]
    alert = alert[: alert.index("</div>")]
    assert "Person" in alert and "Team role" in alert  # each named where shown together


def test_a_recognition_names_every_problem(db, make_case, make_user):
    from app.records.models import Recognition
    from app.records.services import (
        approve_record,
        draft_record,
        record_recognition,
        suggested_draft,
    )

    case = make_case(state="decided")
    record = draft_record(case, case.created_by, suggested_draft(case, case.respondents[0]))
    approve_record(record, make_user("SH", roles=("agency_admin",)))
    js = make_user("JS", roles=("supervisor",))
    with pytest.raises(InvalidInput) as refused:
        record_recognition(record, js, "decline", modified_terms="条" * 5001, reason=" ")
    assert set(refused.value.problems) == {"reason", "modified_terms"}
    with pytest.raises(InvalidInput) as refused:
        record_recognition(record, js, "approve", reason="理" * 5001)
    assert set(refused.value.problems) == {"decision", "reason"}
    assert db.session.scalar(select(func.count()).select_from(Recognition)) == 0
