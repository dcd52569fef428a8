"""Input without limits: dates before the floor, sanction terms beyond their type's, texts
beyond their length, and a registration form sent twice. Each refusal says why, in the
user's language, and changes nothing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from app.cases.models import Case, CaseState, SanctionType
from app.cases.policy import EARLIEST_DATE, add_years, term_of
from app.cases.services import record_defence
from app.cases.workflow import perform
from app.core.calendar import today
from app.core.errors import InvalidInput
from app.core.limits import REPORT
from tests.api.conftest import new_case_body
from tests.conftest import scenario_supervisor
from tests.ui_helpers import page_version, registration_form, sign_in, text


def _cases(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Case))


@pytest.mark.parametrize(("locale", "message"), [("en", "The date cannot be before 2000-01-01.")])
def test_a_received_date_before_the_floor_is_refused_on_the_page(
    client, db, make_user, locale, message
):
    sign_in(client, make_user("SH", roles=("officer",), locale=locale))
    before = _cases(db)
    response = client.post("/cases/new", data=registration_form(received_date="1900-01-01"))
    assert response.status_code == 422
    assert message in text(response)
    assert _cases(db) == before


def test_a_received_date_before_the_floor_is_refused_in_chinese_and_by_the_api(
    client, db, make_user
):
    sign_in(client, make_user("SH", roles=("officer",), locale="zh"))
    response = client.post("/cases/new", data=registration_form(received_date="1999-12-31"))
    assert response.status_code == 422 and "日期不能早于 2000-01-01" in text(response)
    from app.auth.services import create_token

    token = create_token(make_user("SH", roles=("officer",)))
    db.session.commit()
    before = _cases(db)
    answer = client.post(
        "/api/v1/cases",
        json=new_case_body(received_date="1900-01-01"),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 422
    assert _cases(db) == before
    assert EARLIEST_DATE.source  # the floor says where it comes from


def test_the_reference_year_is_the_year_of_registration(make_case):
    received = dt.date(today().year - 1, 12, 30)
    case = make_case(received_date=received)
    assert case.reference.startswith(f"SH-{today().year}-")
    assert case.received_date == received


@pytest.fixture
def deciding(db, make_user, make_case):
    officer = make_user("SH", roles=("officer",))
    case = make_case(state=CaseState.pre_decision_notice, by=officer)
    record_defence(case, today(), "当事人放弃陈述申辩。", officer)
    db.session.flush()
    return case, scenario_supervisor(case)


def _decide(case, supervisor, **sanction):
    item = {"party_id": case.respondents[0].id, "start_date": today().isoformat(), **sanction}
    return perform(
        case,
        supervisor,
        "issue_decision",
        expected_version=None,
        decision_text="认定存在科研失信行为。",
        decided_on=today().isoformat(),
        sanctions=[item],
    )


@pytest.mark.parametrize(
    "sanction",
    [
        {"sanction_type": "ban_state_funded_activity", "end_date": "2126-01-01"},
        {"sanction_type": "notice_of_criticism", "lifetime": True},
        {"sanction_type": "serious_misconduct_list", "end_date": "2040-01-01"},
        {"sanction_type": "admonition_talk", "start_date": "1900-01-01", "end_date": "1901-01-01"},
    ],
)
def test_a_sanction_term_beyond_its_type_is_refused(deciding, sanction):
    case, supervisor = deciding
    with pytest.raises(InvalidInput) as refused:
        _decide(case, supervisor, **sanction)
    assert refused.value.field == "sanctions"
    assert case.state == CaseState.pre_decision_notice


@pytest.mark.parametrize("lifetime", [False, True])
def test_a_ban_runs_up_to_its_longest_term_or_for_life(deciding, lifetime):
    case, supervisor = deciding
    with pytest.raises(InvalidInput):
        _decide(case, supervisor, sanction_type="ban_state_funded_activity", end_date="2126-01-01")
    longest = term_of(SanctionType.ban_state_funded_activity).max_years
    end = None if lifetime else add_years(today(), longest)
    _decide(
        case,
        supervisor,
        sanction_type="ban_state_funded_activity",
        end_date=end.isoformat() if end else None,
        lifetime=lifetime,
    )
    assert case.state == CaseState.decided
    assert case.sanctions[0].end_date == end and case.sanctions[0].lifetime == lifetime


def test_the_page_refuses_a_ban_ending_in_2126_in_both_languages(client, db, deciding):
    case, supervisor = deciding
    db.session.commit()
    for locale, message in (
        ("en", "lasts at most 10 years from its start"),
        ("zh", "期限自起始日起最长为10年"),
    ):
        supervisor.locale = locale
        db.session.commit()
        sign_in(client, supervisor)
        party = re.search(
            r'name="sanction-0-party_id"[^>]*>\s*<option value="(\d+)"',
            text(client.get(f"/cases/{case.reference}")),
        )
        response = client.post(
            f"/cases/{case.reference}/transitions/issue_decision",
            data={
                "version": page_version(client, case.reference),
                "decision_text": "认定存在科研失信行为。",
                "decided_on": today().isoformat(),
                "sanction-0-party_id": party.group(1) if party else case.respondents[0].id,
                "sanction-0-sanction_type": "ban_state_funded_activity",
                "sanction-0-start_date": today().isoformat(),
                "sanction-0-end_date": "2126-01-01",
            },
        )
        assert response.status_code == 422
        assert message in text(response), locale
        db.session.expire_all()
        assert db.session.get(Case, case.id).state == CaseState.pre_decision_notice


def test_a_300000_character_report_is_refused_on_the_page(client, db, make_case):
    case = make_case(state=CaseState.investigating)
    lead = case.lead.user
    lead.locale = "en"
    db.session.commit()
    sign_in(client, lead)
    response = client.post(
        f"/cases/{case.reference}/transitions/submit_findings",
        data={
            "version": page_version(client, case.reference),
            "report": "调" * 300_000,
            "finding-0-allegation_id": str(case.allegations[0].id),
            "finding-0-outcome": "misconduct",
            "finding-0-severity": "serious",
        },
    )
    assert response.status_code == 422
    assert f"At most {REPORT} characters" in text(response)
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == CaseState.investigating


def test_a_row_index_in_other_digits_is_not_a_server_error(client, db, make_case):
    case = make_case(state=CaseState.investigating)
    sign_in(client, case.lead.user)
    response = client.post(
        f"/cases/{case.reference}/transitions/submit_findings",
        data={
            "version": page_version(client, case.reference),
            "report": "报告",
            "finding-²-allegation_id": str(case.allegations[0].id),
            "finding-²-outcome": "misconduct",
        },
    )
    assert response.status_code < 500


def _once(page: str) -> str:
    found = re.search(r'name="once" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="once" value="([^"]+)"', page
    )
    assert found, "the registration form carries a one-time token"
    return found.group(1)


def test_a_registration_form_sent_twice_registers_once(client, db, make_user):
    sign_in(client, make_user("SH", roles=("officer",), locale="en"))
    once = _once(text(client.get("/cases/new")))
    before = _cases(db)
    first = client.post("/cases/new", data=registration_form(once=once))
    second = client.post("/cases/new", data=registration_form(once=once))
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert _cases(db) == before + 1
    landed = text(client.get(second.headers["Location"]))
    assert "This form was sent before" in landed
    other = _once(text(client.get("/cases/new")))
    assert other != once  # a new form, a new case
    client.post("/cases/new", data=registration_form(once=other))
    assert _cases(db) == before + 2
