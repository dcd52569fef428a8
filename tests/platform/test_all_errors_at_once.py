"""A refused form names every problem at once: the interview form (the service's rules and
the form's own together), the joint task form (each message naming its field, its section
open again)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

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
