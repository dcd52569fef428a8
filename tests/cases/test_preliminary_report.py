"""The preliminary review report (初核报告): recorded by the case team during the preliminary
review, revised as new versions, and read by the supervisor beside the decision to accept,
not accept or transfer."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.cases.models import CaseState, HistoryEntry, PreliminaryReport
from app.core.models import AuditEntry
from tests.ui_helpers import sign_in

FORM = {
    "facts_checked": "核对了论文原文与被指抄袭的来源，第三章约四千字重合。",
    "recommendation": "open_investigation",
    "reasons": "线索具体，涉嫌抄袭，应当立案调查。",
}


def _reports(db, case) -> int:
    return db.session.scalar(select(func.count()).where(PreliminaryReport.case_id == case.id))


def _based_on(html: str) -> str:
    return re.search(r'name="based_on" value="(\d*)"', html).group(1)


def test_the_officer_records_it_and_the_supervisor_reads_it_beside_the_decision(
    client, db, make_case, make_user
):
    case = make_case(state=CaseState.preliminary_review)
    officer = case.created_by
    officer.locale = "en"
    sign_in(client, officer)
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert (
        'data-testid="no-preliminary-report"' in page and 'data-testid="preliminary-form"' in page
    )

    saved = client.post(
        f"/cases/{case.reference}/preliminary-report", data={**FORM, "based_on": ""}
    )
    assert saved.status_code == 302
    assert _reports(db, case) == 1
    entry = db.session.scalar(
        select(HistoryEntry).where(
            HistoryEntry.case_id == case.id, HistoryEntry.action == "preliminary_report"
        )
    )
    assert entry.details == {"recommendation": "open_investigation", "version": 1}
    assert db.session.scalar(
        select(func.count()).where(AuditEntry.action == "case.preliminary_report")
    )
    timeline = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "Preliminary review report recorded" in timeline

    supervisor = make_user("SH", roles=("supervisor",), locale="en")
    sign_in(client, supervisor)
    html = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert FORM["facts_checked"] in html and FORM["reasons"] in html
    basis = re.findall(r'data-testid="preliminary-basis">([^<]*)<', html)
    assert basis and all("recommends: Open an investigation" in b for b in basis)
    assert len(basis) == 3  # open investigation, do not accept, transfer


def test_a_revision_is_a_new_version_and_the_earlier_text_is_kept(client, db, make_case, make_user):
    case = make_case(state=CaseState.preliminary_review)
    sign_in(client, case.created_by)
    client.post(f"/cases/{case.reference}/preliminary-report", data={**FORM, "based_on": ""})
    first = _based_on(client.get(f"/cases/{case.reference}").get_data(as_text=True))
    revised = {**FORM, "recommendation": "transfer", "reasons": "被调查人属江苏单位。"}
    assert (
        client.post(
            f"/cases/{case.reference}/preliminary-report", data={**revised, "based_on": first}
        ).status_code
        == 302
    )
    texts = db.session.scalars(
        select(PreliminaryReport.reasons)
        .where(PreliminaryReport.case_id == case.id)
        .order_by(PreliminaryReport.id)
    ).all()
    assert texts == [FORM["reasons"], "被调查人属江苏单位。"]
    html = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "被调查人属江苏单位。" in html and "第 2 版" in html


def test_two_authors_saving_at_once_lose_nothing(client, db, make_case, make_user):
    """Both read the report with no version yet; the second save is refused and says why,
    and the first stays."""
    case = make_case(state=CaseState.preliminary_review)
    sign_in(client, case.created_by)
    url = f"/cases/{case.reference}/preliminary-report"
    assert client.post(url, data={**FORM, "based_on": ""}).status_code == 302
    other = {**FORM, "reasons": "另一位办案人员的理由。"}
    refused = client.post(url, data={**other, "based_on": ""})
    assert refused.status_code == 409
    assert "其他人刚刚保存了该报告" in refused.get_data(as_text=True)
    assert db.session.scalars(select(PreliminaryReport.reasons)).all() == [FORM["reasons"]]


def test_refusals_change_nothing(client, db, make_case, make_user):
    case = make_case(state=CaseState.preliminary_review)
    url = f"/cases/{case.reference}/preliminary-report"
    sign_in(client, case.created_by)
    for data, status, message in (
        ({**FORM, "facts_checked": "  "}, 422, "请写明初核查明的事实。"),
        ({**FORM, "recommendation": "close"}, 422, "请选择处理建议。"),
        ({**FORM, "reasons": ""}, 422, "请写明处理建议的理由。"),
        ({**FORM, "facts_checked": "字" * 20_001}, 422, "20000"),
    ):
        response = client.post(url, data={**data, "based_on": ""})
        html = response.get_data(as_text=True)
        assert response.status_code == status and message in html
        assert 'aria-invalid="true"' in html  # the field that is wrong says so
    assert _reports(db, case) == 0

    received = make_case(state=CaseState.received)
    sign_in(client, received.created_by)
    late = client.post(f"/cases/{received.reference}/preliminary-report", data=FORM)
    assert late.status_code == 409 and _reports(db, received) == 0

    sign_in(client, make_user("SH", roles=("auditor",)))
    assert client.post(url, data=FORM).status_code == 403
    sign_in(client, make_user("JS", roles=("supervisor",)))
    assert client.post(url, data=FORM).status_code == 404
    assert _reports(db, case) == 0
