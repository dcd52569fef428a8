"""A record's subject objects on the public portal: the record named by its number or by the
code of an integrity report, the identity proved by the keyed hash of the ID number, the
objection in the officers' flow at once (marked, the same clocks and hand-offs), followed up
with the receipt code; every refusal clear and storing nothing, and the portal never saying
whom a record names."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from app.cases.models import CaseState
from app.core.calendar import add_working_days, today
from app.extensions import db as _db
from app.notifications.models import Notification
from app.records import policy
from app.records.models import (
    ObjectionFile,
    ObjectionState,
    RecordObjection,
    RecordStatus,
    RecordVersion,
)
from app.records.remedies import ObjectionDecision, decide_objection
from app.records.services import approve_record, draft_record, suggested_draft
from app.reporting.models import PortalVisit

ID_NUMBER = "31010119800101123X"  # the respondent 张伟 of make_case
OTHER_ID = "110101199003071233"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
URL = "/report/file/objection"


@pytest.fixture
def published(db, make_case, make_user):
    def make(agency: str = "SH"):
        case = make_case(agency=agency, state=CaseState.decided)
        record = draft_record(case, case.created_by, suggested_draft(case, case.respondents[0]))
        approve_record(record, make_user(agency, roles=("agency_admin",)))
        db.session.commit()
        return record

    return make


def _form(record, **changes):
    data = {
        "reference": record.record_uid,
        "name": "张伟",
        "id_type": "resident_id",
        "id_number": ID_NUMBER,
        "grounds": "该记录所述论文并非本人署名。",
        "contact": "13800000001",
        "files": [(io.BytesIO(PDF), "说明.pdf")],
    }
    data.update(changes)
    return data


def _post(client, data, **headers):
    return client.post(URL, data=data, content_type="multipart/form-data", headers=headers)


def _code(page: bytes) -> str:
    match = re.search(rb'data-testid="receipt-code">([\d ]{19})<', page)
    assert match, page[:3000]
    return match.group(1).decode().replace(" ", "")


def _stored(record) -> tuple[int, int, int]:
    _db.session.expire_all()
    count = _db.session.scalar
    return (
        count(select(func.count()).select_from(RecordObjection)),
        count(select(func.count()).select_from(ObjectionFile)),
        count(
            select(func.count())
            .select_from(RecordVersion)
            .where(RecordVersion.record_id == record.id)
        ),
    )


def test_the_subject_objects_on_the_portal_and_follows_it_up_with_the_code(
    client, published, make_user
):
    record = published()
    supervisor = make_user("SH", roles=("supervisor",))
    _db.session.commit()
    form = client.get(URL)
    assert form.status_code == 200 and "Set-Cookie" not in form.headers
    assert "default-src 'none'" in form.headers["Content-Security-Policy"]
    assert 'data-testid="start-objection"' in client.get("/report").get_data(as_text=True)
    filed = _post(client, _form(record))
    assert filed.status_code == 200, filed.get_data(as_text=True)[:2000]
    assert "Set-Cookie" not in filed.headers
    code = _code(filed.data)
    objection = _db.session.scalars(select(RecordObjection)).one()
    assert objection.via_portal and objection.registered_by_id is None
    assert objection.code_hash != code and code not in str(objection.code_hash)
    assert objection.agency_id == record.agency_id and objection.forward_due is None
    assert objection.marked_on == today()
    assert objection.decide_due == add_working_days(today(), policy.OBJECTION_DECIDE_DAYS)
    assert [f.original_name for f in objection.files] == ["说明.pdf"]
    _db.session.refresh(record)
    assert record.under_objection and record.current_version == 2
    assert _db.session.scalar(
        select(func.count()).where(
            Notification.user_id == supervisor.id, Notification.kind == "record.objection"
        )
    )
    assert ID_NUMBER not in filed.get_data(as_text=True)

    opened = client.post("/report/follow-up", data={"code": code})
    assert opened.status_code == 302 and "/report/file/objection/follow-up" in opened.location
    page = client.get(opened.location).get_data(as_text=True)
    assert record.record_uid in page and objection.decide_due.isoformat() in page
    assert 'data-testid="objection-reasons"' not in page

    decide_objection(
        objection, supervisor, ObjectionDecision("dismissed", "记录所列论文经核实确为本人署名。")
    )
    _db.session.commit()
    page = client.get(opened.location).get_data(as_text=True)
    assert "记录所列论文经核实确为本人署名。" in page
    assert supervisor.display_name not in page


def test_an_unknown_record_and_another_persons_identity_get_the_same_answer(client, published):
    record = published()
    before = _stored(record)
    unknown = _post(client, _form(record, reference="R-0000-NOPE"))
    other = _post(client, _form(record, id_number=OTHER_ID))
    assert unknown.status_code == other.status_code == 422
    message = 'data-testid="problem-reference"'
    text_of = [r.get_data(as_text=True) for r in (unknown, other)]
    assert all(message in t for t in text_of)
    problem = [re.search(message + r">([^<]*)<", t).group(1) for t in text_of]
    assert problem[0] == problem[1] and "张伟" not in problem[0]
    assert _stored(record) == before
    _db.session.refresh(record)
    assert record.under_objection is False


def test_refusals_of_a_record_not_in_force_or_already_under_objection(client, published, make_user):
    record = published()
    assert _post(client, _form(record)).status_code == 200
    before = _stored(record)
    again = _post(client, _form(record))
    assert again.status_code == 409
    assert "already under objection" in again.get_data(
        as_text=True
    ) or "已处于异议" in again.get_data(as_text=True)
    assert _stored(record) == before
    revoked = published()
    revoked.status = RecordStatus.revoked
    _db.session.commit()
    before = _stored(revoked)
    refused = _post(client, _form(revoked))
    assert refused.status_code == 409 and 'data-testid="form-refusal"' in refused.get_data(
        as_text=True
    )
    assert _stored(revoked) == before


@pytest.mark.parametrize(
    "changes, status, field",
    [
        ({"grounds": "  "}, 422, "grounds"),
        ({"id_number": "310101198001011230"}, 422, "id_number"),
        ({"files": [(io.BytesIO(EXE), "说明.pdf")]}, 415, None),
    ],
)
def test_bad_input_is_refused_and_nothing_stored(client, published, changes, status, field):
    record = published()
    before = _stored(record)
    refused = _post(client, _form(record, **changes))
    assert refused.status_code == status
    body = refused.get_data(as_text=True)
    assert (f'data-testid="problem-{field}"' if field else 'data-testid="form-refusal"') in body
    assert _stored(record) == before


def test_the_record_is_named_by_the_code_of_an_integrity_report(client, published, make_user):
    from app.reports.services import ReportRequest, issue_report

    record = published()
    report = issue_report(make_user("JS"), ReportRequest("张伟", "resident_id", ID_NUMBER))
    _db.session.commit()
    filed = _post(client, _form(record, reference=report.code.lower()))
    assert filed.status_code == 200
    assert _db.session.scalars(select(RecordObjection)).one().record_id == record.id


def test_attempts_are_limited_per_address_like_reports(client, published, monkeypatch):
    from app.reporting import policy as portal_policy

    record = published()
    limit = portal_policy.Rule(2, "test")
    monkeypatch.setattr(portal_policy, "REPORTS_PER_ADDRESS_HOUR", limit)
    for _ in range(2):
        assert _post(client, _form(record, id_number=OTHER_ID)).status_code == 422
    locked = _post(client, _form(record))
    assert locked.status_code == 429
    assert _db.session.scalar(select(func.count()).select_from(RecordObjection)) == 0
    assert (
        _db.session.scalar(select(func.count()).where(PortalVisit.action == "objection_submit"))
        == 2
    )


def test_a_post_from_another_site_is_refused(client, published):
    record = published()
    refused = _post(client, _form(record), Origin="https://evil.example")
    assert refused.status_code == 400
    assert _db.session.scalar(select(func.count()).select_from(RecordObjection)) == 0


def test_the_officers_see_the_subjects_files_and_other_agencies_do_not(
    client, published, make_user, login
):
    record = published()
    _post(client, _form(record))
    objection = _db.session.scalars(select(RecordObjection)).one()
    url = f"/records/objections/{objection.id}/files/{objection.files[0].id}"
    login(make_user("SH", roles=("supervisor",)))
    page = client.get(f"/records/objections/{objection.id}").get_data(as_text=True)
    assert 'data-testid="via-portal"' in page and "说明.pdf" in page
    assert client.get(url).data == PDF
    client.post("/logout")
    login(make_user("JS", roles=("supervisor",)))
    assert client.get(url).status_code == 404
    assert client.get(f"/records/objections/{objection.id}").status_code == 404
    assert objection.state == ObjectionState.pending
