"""Publication and query periods, objections (异议) and credit repair (信用修复) of integrity
records inside one deployment: the check's filter, the "under objection" mark as a new
version, the working-day clocks at their holiday and make-up-day edges, the pages and the
refusals that change nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import func, select

from app.cases.models import CaseState, Severity
from app.core.calendar import add_months, as_of, today
from app.core.errors import GuardFailed, InvalidInput, NotAllowed
from app.extensions import db as _db
from app.records import policy
from app.records.models import (
    IntegrityRecord,
    ObjectionState,
    RecordStatus,
    RecordVersion,
    RepairState,
)
from app.records.remedies import (
    ObjectionDecision,
    RepairFile,
    decide_objection,
    decide_repair,
    forward_objection,
    register_objection,
    request_repair,
)
from app.records.services import approve_record, draft_record, integrity_check, suggested_draft
from tests.records.support import audit_actions, notifications_of

ID_NUMBER = "31010119800101123X"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def published(db, make_case, make_user):
    def make(agency: str = "SH", **draft_changes):
        case = make_case(agency=agency, state=CaseState.decided)
        data = suggested_draft(case, case.respondents[0])
        for key, value in draft_changes.items():
            setattr(data, key, value)
        record = draft_record(case, case.created_by, data)
        admin = make_user(agency, roles=("agency_admin",))
        approve_record(record, admin)
        db.session.commit()
        return record

    return make


def check(user) -> list[IntegrityRecord]:
    return integrity_check(user, "张伟", "resident_id", ID_NUMBER)


def versions(record) -> int:
    return _db.session.scalar(
        select(func.count()).select_from(RecordVersion).where(RecordVersion.record_id == record.id)
    )


def test_periods_follow_severity_and_the_query_limit_ends_the_check(db, published, make_user):
    recent = published(severity=Severity.serious)
    assert recent.publish_until == add_months(recent.effective_date, 12)
    assert recent.query_until == add_months(recent.effective_date, 60)
    assert recent.payload["query_until"] == recent.query_until.isoformat()
    officer = make_user("ZJ", roles=("officer",))
    assert [r.id for r in check(officer)] == [recent.id]
    # The day after the limit the check no longer returns it; the record stays.
    with as_of(recent.query_until):
        assert [r.id for r in check(officer)] == [recent.id]
    with as_of(recent.query_until + dt.timedelta(days=1)):
        assert check(officer) == []
    assert db.session.get(IntegrityRecord, recent.id).status == RecordStatus.active


def test_record_page_shows_both_dates_and_the_policy_is_labelled(db, published, make_user, login):
    record = published()
    client = login(make_user("SH", roles=("officer",)))
    page = client.get(f"/records/{record.id}").get_data(as_text=True)
    assert 'data-testid="publish-until"' in page and record.publish_until.isoformat() in page
    assert record.query_until.isoformat() in page
    numbers = {n.key: n for n in policy.policy_numbers()}
    assert numbers["query_limit"].source.startswith("《上海市社会信用条例》第三十五条")
    assert not numbers["publish_severe"].verified


def test_objection_marks_the_record_and_dismissal_clears_it(db, published, make_user):
    record = published()
    officer = make_user("SH", roles=("officer",))
    supervisor = make_user("SH", roles=("supervisor",))
    objection, publication = register_objection(record, officer, "身份被冒用", "上海市某路1号")
    db.session.commit()
    publication.dispatch()
    assert record.under_objection and record.current_version == 2
    assert record.payload["under_objection"] is True and record.status == RecordStatus.active
    # Checks at every agency show the mark.
    [found] = check(make_user("AH", roles=("officer",)))
    assert found.under_objection
    assert [n.kind for n in notifications_of(supervisor)] == ["record.objection"]
    # Dismissed: the reasons, the mark cleared in a new version, the officer told.
    decide_objection(objection, supervisor, ObjectionDecision("dismissed", "经核实身份无误"))
    db.session.commit()
    assert objection.state == ObjectionState.dismissed and objection.reasons == "经核实身份无误"
    assert not record.under_objection and record.current_version == 3
    assert "record.objection_decided" in [n.kind for n in notifications_of(officer)]
    assert notifications_of(supervisor)[0].done_at is not None
    assert {"record.objection_mark", "record.objection_clear"} <= set(audit_actions(record))


def test_objection_refusals_change_nothing(db, published, make_user):
    record = published()
    officer = make_user("SH", roles=("officer",))
    with pytest.raises(InvalidInput):
        register_objection(record, officer, " ", "")
    register_objection(record, officer, "理由", "地址")
    db.session.commit()
    with pytest.raises(GuardFailed, match=r"already under objection|已处于异议中"):
        register_objection(record, officer, "再次", "地址")
    db.session.rollback()
    assert versions(record) == 2
    auditor = make_user("SH", roles=("auditor",))
    expired = published(agency="JS")
    expired.status = RecordStatus.expired
    db.session.commit()
    with pytest.raises(NotAllowed):
        register_objection(expired, auditor, "理由", "地址")
    with pytest.raises(GuardFailed, match=r"in force|有效的记录"):
        register_objection(expired, officer, "理由", "地址")
    db.session.rollback()
    assert versions(expired) == 1 and not expired.under_objection


def test_another_agency_forwards_and_the_deciding_agency_revokes(db, published, make_user):
    record = published()
    js_officer = make_user("JS", roles=("officer",))
    js_supervisor = make_user("JS", roles=("supervisor",))
    sh_supervisor = make_user("SH", roles=("supervisor",))
    objection, _ = register_objection(record, js_officer, "处理决定已被撤销", "邮寄")
    db.session.commit()
    assert objection.forward_due is not None and objection.agency_id == js_officer.agency_id
    with pytest.raises(GuardFailed, match=r"Only the deciding agency|只有认定机关"):
        decide_objection(
            objection, js_supervisor, ObjectionDecision("upheld", "成立", resolution="revoked")
        )
    db.session.rollback()
    forward_objection(objection, js_supervisor)
    db.session.commit()
    assert objection.state == ObjectionState.forwarded
    assert objection.agency_id == record.agency_id
    with pytest.raises(NotAllowed):
        decide_objection(objection, js_supervisor, ObjectionDecision("dismissed", "x"))
    db.session.rollback()
    decide_objection(
        objection, sh_supervisor, ObjectionDecision("upheld", "异议成立", resolution="revoked")
    )
    db.session.commit()
    assert record.status == RecordStatus.revoked and not record.under_objection
    assert check(js_officer) == []


def test_an_upheld_objection_corrects_the_record(db, published, make_user):
    record = published()
    supervisor = make_user("SH", roles=("supervisor",))
    objection, _ = register_objection(record, make_user("SH"), "处理期限有误", "邮寄")
    from app.records.services import terms_of

    corrected = terms_of(record)
    corrected.term_end = record.term_end - dt.timedelta(days=30)
    decide_objection(
        objection,
        supervisor,
        ObjectionDecision("upheld", "期限更正", resolution="corrected", correction=corrected),
    )
    db.session.commit()
    assert record.term_end == corrected.term_end and record.status == RecordStatus.active
    assert record.payload["amendment_reason"] == "期限更正" and not record.under_objection


@pytest.mark.parametrize(
    ("registered", "mark", "forward", "decide"),
    [
        # The last working day before National Day 2026: the holiday (1–7 October) is
        # skipped and Saturday 10 October, a make-up working day, counts.
        (dt.date(2026, 9, 30), dt.date(2026, 10, 8), dt.date(2026, 10, 9), dt.date(2026, 10, 13)),
        # A Saturday before the make-up Sunday 20 September: that Sunday is the first day.
        (dt.date(2026, 9, 19), dt.date(2026, 9, 20), dt.date(2026, 9, 21), dt.date(2026, 9, 24)),
        # Before the Mid-Autumn Festival (Friday 25 September) and its weekend.
        (dt.date(2026, 9, 24), dt.date(2026, 9, 28), dt.date(2026, 9, 29), dt.date(2026, 10, 9)),
    ],
)
def test_objection_clocks_at_working_day_edges(
    db, published, make_user, registered, mark, forward, decide
):
    record = published()
    with as_of(registered):
        objection, _ = register_objection(record, make_user("JS"), "理由", "地址")
    assert (objection.mark_due, objection.forward_due, objection.decide_due) == (
        mark,
        forward,
        decide,
    )
    with as_of(forward):
        forward_objection(objection, make_user("JS", roles=("supervisor",)))
    # The deciding agency's five working days start on the day it is forwarded.
    from app.core.calendar import add_working_days

    assert objection.decide_due == add_working_days(forward, policy.OBJECTION_AGENCY_DECIDE_DAYS)


def _files():
    return (
        RepairFile(io.BytesIO(PDF), "整改证明.pdf"),
        RepairFile(io.BytesIO(PDF + b"%commitment\n"), "信用承诺书.pdf"),
    )


def test_repair_before_the_minimum_period_is_refused(db, published, make_user):
    record = published(severity=Severity.severe, effective_date=today() - dt.timedelta(days=30))
    with pytest.raises(GuardFailed, match=r"Repair can be asked for from|起可申请修复"):
        request_repair(record, make_user("SH"), "已整改", *_files())
    db.session.rollback()
    assert record.repaired_on is None and versions(record) == 1


def test_approved_repair_leaves_checks_and_refused_keeps_the_reasons(db, published, make_user):
    start = add_months(today(), -24)
    record = published(severity=Severity.severe, effective_date=start)
    officer = make_user("SH")
    supervisor = make_user("SH", roles=("supervisor",))
    db.session.commit()
    with pytest.raises(InvalidInput):
        request_repair(record, officer, "", None, None)
    db.session.rollback()
    repair = request_repair(record, officer, "已退回经费并公开致歉", *_files())
    db.session.commit()
    assert repair.decide_due > repair.requested_on
    js_supervisor = make_user("JS", roles=("supervisor",))
    db.session.commit()
    with pytest.raises(NotAllowed):
        decide_repair(repair, js_supervisor, True, "x")
    db.session.rollback()
    decide_repair(repair, supervisor, False, "承诺书未签字")
    db.session.commit()
    assert repair.state == RepairState.refused and check(officer) != []
    again = request_repair(record, officer, "补充签字", *_files())
    decide_repair(again, supervisor, True, "已整改到位")
    db.session.commit()
    assert record.repaired_on == today() and record.payload["repaired_on"]
    assert check(officer) == [] and record.status == RecordStatus.active  # still in the file
    with pytest.raises(GuardFailed, match=r"repaired already|已经修复"):
        request_repair(record, officer, "x", *_files())


def test_objection_and_repair_pages(db, published, make_user, login, client):
    record = published(severity=Severity.minor)
    officer = make_user("SH")
    login(officer)
    assert client.get(f"/records/{record.id}/objections/new").status_code == 200
    refused = client.post(f"/records/{record.id}/objections/new", data={"grounds": ""})
    assert refused.status_code == 422
    done = client.post(
        f"/records/{record.id}/objections/new",
        data={"grounds": "非本人", "subject_contact": "邮寄"},
    )
    assert done.status_code == 302
    again = client.post(
        f"/records/{record.id}/objections/new",
        data={"grounds": "再次", "subject_contact": "邮寄"},
    )
    assert again.status_code == 409 and "已处于异议中" in again.get_data(as_text=True)
    page = client.get(f"/records/{record.id}").get_data(as_text=True)
    assert 'data-testid="under-objection"' in page
    checked = client.post(
        "/integrity-check", data={"name": "张伟", "id_type": "resident_id", "id_number": ID_NUMBER}
    ).get_data(as_text=True)
    assert 'data-testid="check-under-objection"' in checked
    objection_url = done.headers["Location"]
    # The subject's contact stays with the agencies concerned.
    client.post("/logout")
    login(make_user("ZJ", roles=("officer",)))
    assert client.get(objection_url).status_code == 404
    client.post("/logout")
    login(make_user("SH", roles=("supervisor",)))
    decided = client.post(
        objection_url + "/decide", data={"outcome": "dismissed", "reasons": "经核实无误"}
    )
    assert decided.status_code == 302
    assert "经核实无误" in client.get(objection_url).get_data(as_text=True)
    response = client.post(
        f"/records/{record.id}/repairs/new",
        data={
            "statement": "已整改",
            "proof": (io.BytesIO(PDF), "proof.pdf"),
            "commitment": (io.BytesIO(PDF + b"%c\n"), "commitment.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    repair_url = response.headers["Location"]
    assert client.get(repair_url + "/proof").data == PDF
    approved = client.post(repair_url + "/decide", data={"decision": "approve", "reasons": "到位"})
    assert approved.status_code == 302
    page = client.get(f"/records/{record.id}").get_data(as_text=True)
    shown = page.split('data-testid="checkable">', 1)[1].split("</dd>", 1)[0]
    assert shown.startswith(("否", "No")) and today().isoformat() in shown


def test_policy_page_lists_the_periods_with_their_source_labelled_unverified(
    db, make_user, login, client
):
    login(make_user("SH", roles=("agency_admin",)))
    page = client.get("/admin/policy").get_data(as_text=True)
    assert 'data-testid="policy-numbers"' in page and "第三十五条" in page
    assert 'data-testid="unverified"' in page


def test_dashboard_lists_the_objection_with_its_clock(db, published, make_user, login, client):
    record = published()
    objection, _ = register_objection(record, make_user("SH"), "理由", "地址")
    db.session.commit()
    login(make_user("SH", roles=("supervisor",)))
    page = client.get("/").get_data(as_text=True)
    assert 'data-testid="queue-objections"' in page
    assert (
        f"/records/objections/{objection.id}" in page and objection.decide_due.isoformat() in page
    )


def test_objection_api_registers_refuses_and_decides(db, published, make_user, client):
    from app.auth.services import create_token

    record = published()
    officer = make_user("SH")
    supervisor = make_user("SH", roles=("supervisor",))
    officer_token = create_token(officer, "portal")
    supervisor_token = create_token(supervisor, "portal")
    db.session.commit()
    url = f"/api/v1/records/{record.record_uid}/objections"
    as_officer = {"Authorization": f"Bearer {officer_token}"}
    assert client.post(url, json={"grounds": "x"}, headers=as_officer).status_code == 422
    created = client.post(
        url, json={"grounds": "非本人", "subject_contact": "邮寄"}, headers=as_officer
    )
    assert created.status_code == 201 and created.json["under_objection"] is True
    again = client.post(
        url, json={"grounds": "再次", "subject_contact": "邮寄"}, headers=as_officer
    )
    assert again.status_code == 409 and again.json["code"] == "guard_failed"
    decision = f"/api/v1/objections/{created.json['id']}/decision"
    denied = client.post(
        decision, json={"outcome": "dismissed", "reasons": "无误"}, headers=as_officer
    )
    assert denied.status_code == 403
    decided = client.post(
        decision,
        json={"outcome": "dismissed", "reasons": "无误"},
        headers={"Authorization": f"Bearer {supervisor_token}"},
    )
    assert decided.status_code == 200 and decided.json["state"] == "dismissed"
    assert decided.json["under_objection"] is False and decided.json["record_version"] == 3
    spec = client.get("/api/v1/openapi.json").json
    assert "/records/{record_uid}/objections" in spec["paths"]


def test_statistics_count_objections_and_repairs(app, db, published, make_user):
    from app.statistics.periods import year_period
    from app.statistics.services import compute_tables, scope_for, table_as_dict

    supervisor = make_user("SH", roles=("supervisor",))
    first, second = published(), published()
    objection, _ = register_objection(first, make_user("SH"), "理由", "地址")
    decide_objection(objection, supervisor, ObjectionDecision("dismissed", "无误"))
    register_objection(second, make_user("SH"), "理由", "地址")
    db.session.flush()
    with app.test_request_context():
        tables = compute_tables(scope_for(supervisor, "agency", year_period(today().year)))
        table = next(table_as_dict(t) for t in tables if t.key == "remedies")
    rows = {r["key"]: r["total"] for r in table["rows"]}
    assert rows["objection_dismissed"] == 1 and rows["objection_pending"] == 1
    assert rows["repair_approved"] == 0
