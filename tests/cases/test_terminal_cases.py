"""An ended case (not accepted, transferred, terminated, closed) is a read-only record: its
forms are not offered, every change is refused with a message and changes nothing, and a
closed case can still be reopened by an appeal ruling."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from app.auth.services import create_token
from app.cases.models import Case, CaseMember, CaseState, HistoryEntry
from app.cases.workflow import perform
from app.core.models import AuditEntry
from app.evidence.models import EvidenceItem
from app.evidence.services import register_physical_item
from app.notes.models import CaseNote
from app.notes.services import NoteInput, add_note
from app.protection.models import ConflictDeclaration
from tests.conftest import scenario_supervisor
from tests.ui_helpers import page_version, sign_in, text

CLOSED_MESSAGE = "its record is read-only"


@pytest.fixture
def closed(db, make_user, make_case):
    """A closed case with a team, one evidence item and one note, and who works on it."""
    officer = make_user("SH", roles=("officer",), locale="en")
    case = make_case(state=CaseState.decided, by=officer)
    item = register_physical_item(case, "实验记录本", officer)
    add_note(
        case,
        officer,
        NoteInput(kind="note", title="工作记录", happened_on=case.decided_on, body="已归档。"),
    )
    perform(case, officer, "close_case", expected_version=None)
    supervisor = scenario_supervisor(case)
    supervisor.locale = "en"
    outsider = make_user("SH", roles=("officer",), locale="en")
    db.session.commit()
    return {
        "case": case,
        "officer": officer,
        "supervisor": supervisor,
        "item": item,
        "outsider": outsider,
    }


def _state_of(db, case) -> tuple:
    """Everything a refused change must leave as it was."""
    db.session.expire_all()

    def count(model, *where):
        return db.session.scalar(select(func.count()).select_from(model).where(*where))

    row = db.session.get(Case, case.id)
    return (
        row.state,
        row.version,
        count(EvidenceItem, EvidenceItem.case_id == case.id),
        count(
            EvidenceItem, EvidenceItem.case_id == case.id, EvidenceItem.withdrawn_at.is_not(None)
        ),
        count(CaseNote, CaseNote.case_id == case.id),
        count(ConflictDeclaration, ConflictDeclaration.case_id == case.id),
        count(CaseMember, CaseMember.case_id == case.id),
        count(CaseMember, CaseMember.case_id == case.id, CaseMember.complainant_access),
        count(HistoryEntry, HistoryEntry.case_id == case.id),
        count(AuditEntry, AuditEntry.case_id == case.id),
    )


def _refused(db, case, before, response, status):
    assert response.status_code == status, text(response)[:400]
    assert _state_of(db, case) == before


def test_evidence_upload_is_refused(client, db, closed):
    case = closed["case"]
    sign_in(client, closed["officer"])
    before = _state_of(db, case)
    response = client.post(
        f"/cases/{case.reference}/evidence",
        data={"files": [(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "late.pdf")]},
        content_type="multipart/form-data",
    )
    _refused(db, case, before, response, 409)
    assert CLOSED_MESSAGE in text(response)


def test_physical_item_is_refused(client, db, closed):
    case = closed["case"]
    sign_in(client, closed["officer"])
    before = _state_of(db, case)
    response = client.post(f"/cases/{case.reference}/evidence/physical", data={"title": "样品"})
    _refused(db, case, before, response, 409)
    assert CLOSED_MESSAGE in text(response)


def test_withdrawing_evidence_is_refused(client, db, closed):
    case, item = closed["case"], closed["item"]
    sign_in(client, closed["officer"])
    before = _state_of(db, case)
    response = client.post(
        f"/cases/{case.reference}/evidence/{item.id}/withdraw", data={"reason": "误录"}
    )
    _refused(db, case, before, response, 409)
    assert CLOSED_MESSAGE in text(response)  # the page it came from, shown again with why


def test_adding_a_note_is_refused(client, db, closed):
    case = closed["case"]
    sign_in(client, closed["officer"])
    before = _state_of(db, case)
    response = client.post(
        f"/cases/{case.reference}/notes",
        data={
            "kind": "note",
            "title": "补记",
            "happened_on": "2026-11-02",
            "body": "结案后补记。",
            "visibility": "internal",
        },
    )
    _refused(db, case, before, response, 409)
    page = text(response)
    assert CLOSED_MESSAGE in page
    assert "Record an interview or note" not in page


def test_declaring_conflicts_is_refused(client, db, closed):
    case = closed["case"]
    sign_in(client, closed["outsider"])
    before = _state_of(db, case)
    response = client.post(f"/cases/{case.reference}/conflicts", data={"none": "1"})
    _refused(db, case, before, response, 409)
    assert CLOSED_MESSAGE in text(response)  # the page it came from, shown again with why


def test_granting_complainant_access_is_refused(client, db, closed):
    case, supervisor = closed["case"], closed["supervisor"]
    lead = case.lead
    sign_in(client, supervisor)
    before = _state_of(db, case)
    response = client.post(
        f"/cases/{case.reference}/complainant-access", data={"member_id": lead.id, "grant": "1"}
    )
    _refused(db, case, before, response, 409)
    assert CLOSED_MESSAGE in text(response)  # the page it came from, shown again with why


def test_revoking_complainant_access_stays_possible(client, db, closed):
    case, supervisor = closed["case"], closed["supervisor"]
    case.lead.complainant_access = True
    db.session.commit()
    sign_in(client, supervisor)
    response = client.post(
        f"/cases/{case.reference}/complainant-access",
        data={"member_id": case.lead.id, "grant": "0"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert not db.session.get(Case, case.id).lead.complainant_access


def test_team_changes_are_refused(client, db, closed):
    case, supervisor = closed["case"], closed["supervisor"]
    sign_in(client, supervisor)
    version = str(db.session.get(Case, case.id).version)
    before = _state_of(db, case)
    response = client.post(
        f"/cases/{case.reference}/team",
        data={"user_id": closed["outsider"].id, "team_role": "investigator", "version": version},
    )
    _refused(db, case, before, response, 409)
    assert CLOSED_MESSAGE in text(response)
    response = client.post(
        f"/cases/{case.reference}/team", data={"remove": case.members[0].id, "version": version}
    )
    _refused(db, case, before, response, 409)
    assert CLOSED_MESSAGE in text(response)


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("extension", {"months": "3", "reason": "补充调查"}),
        ("defence", {"received_on": "2026-11-02", "statement": "补充申辩"}),
        ("transitions/request_review", {"reason": "申请复查", "requested_on": "2026-11-02"}),
        ("transitions/decide_review", {"reason": "复查", "outcome": "overturned"}),
    ],
)
def test_other_steps_are_refused(client, db, closed, url, data):
    case = closed["case"]
    sign_in(client, closed["supervisor"])
    before = _state_of(db, case)
    response = client.post(f"/cases/{case.reference}/{url}", data=data)
    _refused(db, case, before, response, 409)
    assert "Nothing was changed." in text(response)


def test_the_api_refuses_changes(client, db, closed):
    case = closed["case"]
    token = create_token(closed["supervisor"])
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    before = _state_of(db, case)
    for path, body in (
        ("conflict-declarations", {"kinds": []}),
        ("team", {"user": closed["outsider"].username, "team_role": "investigator"}),
        ("defence", {"received_on": "2026-11-02", "statement": "补充申辩"}),
    ):
        response = client.post(f"/api/v1/cases/{case.reference}/{path}", json=body, headers=headers)
        assert response.status_code == 409, (path, response.get_json())
        assert response.get_json()["code"] == "guard_failed"
    assert _state_of(db, case)[:-1] == before[:-1]  # the token's use is audited, nothing else


def test_the_pages_offer_no_forms(client, db, closed):
    case, item = closed["case"], closed["item"]
    sign_in(client, closed["officer"])
    detail = text(client.get(f"/cases/{case.reference}"))
    assert "I have no conflict of interest" not in detail
    assert "The case is closed; no further steps." in detail
    assert "Upload files" not in text(client.get(f"/cases/{case.reference}/evidence"))
    assert "Withdraw this item" not in text(
        client.get(f"/cases/{case.reference}/evidence/{item.id}")
    )
    assert "Record an interview or note" not in text(client.get(f"/cases/{case.reference}/notes"))
    sign_in(client, closed["supervisor"])
    detail = text(client.get(f"/cases/{case.reference}"))
    assert "Add to team" not in detail
    assert 'name="grant" value="1"' not in detail
    assert 'data-transition="reopen_case"' in detail


def test_an_appeal_ruling_still_reopens_the_case(client, db, closed):
    case = closed["case"]
    sign_in(client, closed["supervisor"])
    response = client.post(
        f"/cases/{case.reference}/transitions/reopen_case",
        data={"reason": "申诉裁定撤销原复查结论", "version": page_version(client, case.reference)},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == CaseState.under_review
    sign_in(client, closed["officer"])
    assert "Upload files" in text(client.get(f"/cases/{case.reference}/evidence"))


# A transfer no longer ends a case: accepted, it moves to the receiving agency and the
# sender loses access (tests/cases/test_transfers.py).
@pytest.mark.parametrize("state", [CaseState.not_accepted, CaseState.terminated])
def test_every_ended_state_is_read_only(client, db, make_user, make_case, state):
    officer = make_user("SH", roles=("officer",), locale="en")
    case = make_case(state=state, by=officer)
    db.session.commit()
    sign_in(client, officer)
    before = _state_of(db, case)
    response = client.post(f"/cases/{case.reference}/evidence/physical", data={"title": "样品"})
    _refused(db, case, before, response, 409)
    response = client.post(
        f"/cases/{case.reference}/notes",
        data={"kind": "note", "title": "补记", "happened_on": "2026-11-02", "body": "补记。"},
    )
    _refused(db, case, before, response, 409)
    assert CLOSED_MESSAGE in text(response)
