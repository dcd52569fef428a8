"""Amending a published record after a review modified its decision: a new version with
the new terms and the reason, refused before such a review, received by peers like any
newer version."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.cases.models import CaseState
from app.core.errors import GuardFailed, InvalidInput, NotAllowed
from app.demo.scenario import review
from app.records.models import IntegrityRecord, RecordStatus
from app.records.services import (
    RecordDraft,
    amend_record,
    approve_record,
    draft_record,
    revoke_record,
    suggested_draft,
    terms_of,
)


def published_after_modified_review(case, admin) -> IntegrityRecord:
    record = draft_record(case, case.created_by, suggested_draft(case, case.respondents[0]))
    approve_record(record, admin)
    review(case, "modified")
    return record


def _terms(record: IntegrityRecord, **changes) -> RecordDraft:
    data = terms_of(record)
    for key, value in changes.items():
        setattr(data, key, value)
    return data


@pytest.fixture
def amendable(db, make_case, make_user):
    case = make_case(state=CaseState.decided)
    admin = make_user("SH", roles=("agency_admin",))
    record = published_after_modified_review(case, admin)
    db.session.commit()
    return record, admin


def test_amendment_is_a_new_version_with_the_new_terms_and_reason(db, amendable):
    record, admin = amendable
    new_end = dt.date(2099, 12, 31)
    amend_record(record, admin, _terms(record, term_end=new_end, lifetime=False), "复查缩短期限")
    db.session.commit()
    assert [v.version for v in record.versions] == [1, 2]
    assert record.versions[-1].reason == "复查缩短期限"
    assert record.status == RecordStatus.active and record.term_end == new_end
    assert record.payload["term_end"] == "2099-12-31"
    assert record.payload["amendment_reason"] == "复查缩短期限"
    assert record.payload["revocation_reason"] is None
    assert record.versions[-1].envelope["payload"]["term_end"] == "2099-12-31"


def test_amendment_refusals_change_nothing(db, make_case, make_user, amendable):
    record, admin = amendable
    unchanged = dict(record.draft)
    with pytest.raises(InvalidInput):
        amend_record(record, admin, _terms(record), "没有改变")  # the same terms
    with pytest.raises(InvalidInput):
        amend_record(record, admin, _terms(record, term_end=dt.date(2099, 1, 1)), "  ")
    with pytest.raises(InvalidInput):
        amend_record(
            record, admin, _terms(record, lifetime=False, term_end=dt.date(2000, 1, 1)), "早于"
        )
    with pytest.raises(NotAllowed):
        amend_record(
            record,
            make_user("JS", roles=("agency_admin",)),
            _terms(record, term_end=dt.date(2099, 1, 1)),
            "别的机构",
        )
    assert record.current_version == 1 and record.draft == unchanged

    other = make_case(state=CaseState.decided)
    plain = draft_record(other, other.created_by, suggested_draft(other, other.respondents[0]))
    approve_record(plain, make_user("SH", roles=("agency_admin",)))
    with pytest.raises(GuardFailed):  # no review yet
        amend_record(plain, admin, _terms(plain, term_end=dt.date(2099, 1, 1)), "未复查")
    review(other, "upheld")
    with pytest.raises(GuardFailed):  # upheld: nothing to amend
        amend_record(plain, admin, _terms(plain, term_end=dt.date(2099, 1, 1)), "维持")
    assert plain.current_version == 1


def test_a_revoked_record_is_not_amended(db, make_case, make_user):
    case = make_case(state=CaseState.decided)
    admin = make_user("SH", roles=("agency_admin",))
    record = draft_record(case, case.created_by, suggested_draft(case, case.respondents[0]))
    approve_record(record, admin)
    review(case, "overturned")
    revoke_record(record, admin, "撤销")
    with pytest.raises(GuardFailed):
        amend_record(record, admin, _terms(record, term_end=dt.date(2099, 1, 1)), "修改")


def test_amend_page_prefills_keeps_input_on_refusal_and_publishes(db, amendable, login, client):
    record, admin = amendable
    login(admin)
    detail = client.get(f"/records/{record.id}").get_data(as_text=True)
    assert f"/records/{record.id}/amend" in detail
    page = client.get(f"/records/{record.id}/amend").get_data(as_text=True)
    assert record.draft["conduct"] in page and record.draft["legal_basis"] in page
    form = {
        "conduct": record.draft["conduct"],
        "outcome": "复查后改为通报批评",
        "legal_basis": record.draft["legal_basis"],
        "effective_date": record.draft["effective_date"],
        "term_end": "2000-01-01",  # before it starts: refused, input kept
        "severity": "minor",
        "reason": "复查变更处理",
    }
    refused = client.post(f"/records/{record.id}/amend", data=form)
    assert refused.status_code == 422 and "复查后改为通报批评" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(IntegrityRecord, record.id).current_version == 1
    form["term_end"] = "2099-06-30"
    done = client.post(f"/records/{record.id}/amend", data=form)
    assert done.status_code == 302
    db.session.expire_all()
    stored = db.session.scalar(select(IntegrityRecord).where(IntegrityRecord.id == record.id))
    assert stored.current_version == 2 and stored.payload["outcome"] == "复查后改为通报批评"
    shown = client.get(f"/records/{record.id}").get_data(as_text=True)
    assert 'data-testid="amendment-reason"' in shown and "复查变更处理" in shown
