"""Fixtures of the report tests."""

from __future__ import annotations

import pytest

from app.cases.models import CaseState
from app.records.services import approve_record, draft_record, suggested_draft


@pytest.fixture
def published(db, make_case, make_user):
    def make(agency: str = "SH"):
        case = make_case(agency=agency, state=CaseState.decided)
        record = draft_record(case, case.created_by, suggested_draft(case, case.respondents[0]))
        admin = make_user(agency, roles=("agency_admin",))
        approve_record(record, admin)
        db.session.commit()
        return record, admin

    return make
