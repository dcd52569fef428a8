"""Words that read as what they name: a transfer's sending agency (not a start date), a
severity by its label, the report's language and the languages by name, the panel's
referral card, the decision date, agencies in the reader's language."""

from __future__ import annotations

import pytest

from app.cases.models import CaseState
from app.records.services import approve_record, draft_record, suggested_draft
from tests.committees.test_reviews import case_review, chair_of
from tests.ui_helpers import sign_in, text


def test_a_transfer_names_the_sending_agency_not_a_start_date(
    db, client, make_case, make_user, offer
):
    sender = make_user("SH", roles=("supervisor", "officer"))
    receiver = make_user("JS", roles=("supervisor",))
    case = make_case("SH", state=CaseState.preliminary_review, by=sender)
    offer(case, sender)
    db.session.commit()
    sign_in(client, receiver)
    page = text(client.get("/transfers"))
    assert "移出机关" in page and "起始日期" not in page
    assert "上海市科学技术委员会" in page


@pytest.fixture
def record(db, make_case, make_user):
    case = make_case("SH", state=CaseState.decided)
    data = suggested_draft(case, case.respondents[0])
    data.severity = "serious"
    found = draft_record(case, case.created_by, data)
    approve_record(found, make_user("SH", roles=("agency_admin",)))
    db.session.commit()
    return found


def test_an_english_record_page_names_the_agency_and_severity_in_english(
    db, client, record, make_user
):
    sign_in(client, make_user("SH", roles=("agency_admin",), locale="en"))
    page = text(client.get(f"/records/{record.id}"))
    fields = page[page.index('data-testid="record-fields"') :]
    fields = fields[: fields.index("</dl>")]
    assert "Science and Technology Commission of Shanghai Municipality" in fields
    assert "上海市科学技术委员会" not in fields
    assert ">Serious<" in fields and ">serious<" not in fields
    listing = text(client.get("/records"))
    assert "Science and Technology Commission of Shanghai Municipality" in listing


def test_a_chinese_record_page_shows_the_severity_label(db, client, record, make_user):
    sign_in(client, make_user("SH", roles=("agency_admin",)))
    page = text(client.get(f"/records/{record.id}"))
    assert ">较重<" in page and ">serious<" not in page


def test_the_review_page_names_the_referral_and_the_agency_in_the_readers_language(
    db, client, make_case
):
    review = case_review(make_case(state=CaseState.committee_review))
    chair = chair_of(review)
    chair.locale = "en"
    db.session.commit()
    sign_in(client, chair)
    page = text(client.get(f"/committees/reviews/{review.id}"))
    # (the panel's own name, as its agency typed it, stays as typed)
    assert "Science and Technology Commission of Shanghai Municipality ·" in page
    assert "上海市科学技术委员会 ·" not in page
    chair.locale = "zh"
    db.session.commit()
    sign_in(client, chair)
    page = text(client.get(f"/committees/reviews/{review.id}"))
    assert "提交审议" in page and ">移交<" not in page


def test_the_reports_page_names_the_report_language_and_the_languages(db, client, make_user):
    from app.statistics.reports import store_report

    user = make_user("SH", roles=("supervisor",))
    store_report(user, "agency", 2026, "en", b"%PDF-1.4", 1, "DOCUMENTEN0000000001")
    store_report(user, "agency", 2026, "zh", b"%PDF-1.4 ", 1, "DOCUMENTZH0000000001")
    db.session.commit()
    sign_in(client, user)
    page = text(client.get("/statistics/reports"))
    assert "报告语言" in page and "界面语言" not in page
    rows = page[page.index("<tbody") :]
    assert "<td>English</td>" in rows and "<td>中文</td>" in rows
    assert "<td>en</td>" not in rows and "<td>zh</td>" not in rows


def test_the_decision_form_asks_for_the_decision_date(db, client, make_case):
    from app.cases.services import record_defence
    from app.core.calendar import today
    from tests.conftest import scenario_supervisor

    case = make_case(state=CaseState.pre_decision_notice)
    record_defence(case, today(), "当事人放弃陈述申辩。", case.created_by)
    db.session.commit()
    sign_in(client, scenario_supervisor(case))
    page = text(client.get(f"/cases/{case.reference}"))
    assert "处理决定日期" in page and "处理决定送达日期" not in page
