"""A deadline running into a year whose working-day calendar is not confirmed carries a
boolean beside it in the API, declared in the OpenAPI document."""

from __future__ import annotations

import datetime as dt

import pytest

from app.calendar_years.services import YearInput, confirm_year, save_year
from app.core import calendar as cal
from tests.joint_world import joint  # noqa: F401

SPRING = {"name": "春节", "start": "2027-02-05", "end": "2027-02-13"}
NOTICE = "国办发明电〔2026〕测试号"
IN_NOVEMBER = dt.date(2026, 11, 2)


@pytest.fixture
def sysadmin(make_user):
    return make_user("PLATFORM", roles=("sysadmin",))


@pytest.fixture
def case_into_2027(make_case):
    case = make_case(agency="SH")
    case.preliminary_due = case.due_date = dt.date(2027, 2, 10)
    return case


def test_the_api_marks_a_deadline_crossing_an_unconfirmed_year(
    db, api, make_user, case_into_2027, sysadmin
):
    reader = api(make_user("SH", roles=("officer", "supervisor")))
    with cal.as_of(IN_NOVEMBER):
        detail = reader.get(f"/api/v1/cases/{case_into_2027.reference}").get_json()
        assert detail["deadlines"]["due_date"] == "2027-02-10"
        assert detail["deadlines"]["due_date_calendar_unconfirmed"] is True
        assert detail["deadlines"]["preliminary_due_calendar_unconfirmed"] is True
        assert detail["deadlines"]["defence_due_calendar_unconfirmed"] is False  # none runs
        items = reader.get("/api/v1/cases").get_json()["items"]
        mine = next(i for i in items if i["reference"] == case_into_2027.reference)
        assert mine["due_date_calendar_unconfirmed"] is True
        save_year(sysadmin, YearInput(2027, NOTICE, [SPRING], []))
        confirm_year(sysadmin, 2027)
        db.session.commit()
        detail = reader.get(f"/api/v1/cases/{case_into_2027.reference}").get_json()
        assert detail["deadlines"]["due_date_calendar_unconfirmed"] is False


def test_the_openapi_document_declares_the_mark(api):
    document = api(None).get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    assert schemas["Deadlines"]["properties"]["due_date_calendar_unconfirmed"]["type"] == "boolean"
    assert "due_date_calendar_unconfirmed" in schemas["CaseSummary"]["properties"]


def test_joint_answer_dates_and_task_dates_carry_the_mark(db, api, client, joint):  # noqa: F811
    from app.joint.models import Task
    from app.joint.services import create_task
    from tests.ui_helpers import sign_in, text

    task = create_task(
        joint["case"],
        joint["sh_officer"],
        agency=joint["js_part"].agency,
        kind="site_visit",
        title="现场核查",
        description="",
        due_in_days=5,
        assignee=joint["js_officer"],
    )
    task.due_date = joint["js_part"].respond_by = dt.date(2027, 2, 10)
    db.session.commit()
    lead = api(joint["sh_supervisor"])
    with cal.as_of(IN_NOVEMBER):
        found = lead.get(f"/api/v1/joint/tasks/{task.id}").get_json()
        assert found["due_date_calendar_unconfirmed"] is True
        ref = joint["case"].reference
        invitations = lead.get(f"/api/v1/cases/{ref}/joint").get_json()["invitations"]
        js = next(i for i in invitations if i["agency"] == "JS")
        assert js["respond_by_calendar_unconfirmed"] is True
        ah = next(i for i in invitations if i["agency"] == "AH")
        assert ah["respond_by_calendar_unconfirmed"] is False
        sign_in(client, joint["js_officer"])
        page = text(client.get(f"/joint/tasks/{task.id}"))
        assert 'data-testid="calendar-unconfirmed"' in page
    assert db.session.get(Task, task.id).due_date == dt.date(2027, 2, 10)
