"""Internal material marked for the review panel: the case team marks and unmarks it, the
review package carries it for members who are not recused, and it stays internal for
everyone else — joint participants, shared dossiers, exchanged records."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from sqlalchemy import func, select

from app.cases.models import CaseState
from app.committees.material import mark_evidence_for_panel, mark_note_for_panel
from app.committees.models import Review
from app.committees.package import review_package
from app.committees.reviews import declare
from app.core.audit import AuditEntry
from app.core.calendar import today
from app.core.errors import GuardFailed, NotAllowed
from app.evidence.models import CustodyAction, CustodyEvent, EvidenceItem
from app.evidence.services import Upload, add_file_evidence, register_physical_item
from app.extensions import db
from app.notes.models import CaseNote
from app.notes.services import NoteInput, add_note
from tests.conftest import password_hash
from tests.joint_world import INTERNAL_EVIDENCE, INTERNAL_NOTE, PDF
from tests.ui_helpers import sign_in, text

MARKED_NOTE = "调查组内部分析：实验记录时间线存在矛盾"
MARKED_ITEM = "内部证据：原始数据硬盘镜像"


def internal_note(case, officer, title=MARKED_NOTE):
    return add_note(
        case,
        officer,
        NoteInput(
            kind="note",
            title=title,
            happened_on=today() - dt.timedelta(days=1),
            body=title + "（正文）",
            visibility="internal",
        ),
    )


@pytest.fixture
def review_case(make_case):
    """A case in committee review with internal material, some marked, and shared material."""
    case = make_case(state=CaseState.committee_review)
    officer = case.created_by
    marked_item = register_physical_item(case, MARKED_ITEM, officer, location="档案室")
    add_file_evidence(case, Upload(io.BytesIO(PDF), "x.pdf"), officer, title="未标记内部证据")
    note = internal_note(case, officer)
    internal_note(case, officer, title="未标记内部笔记")
    mark_evidence_for_panel(marked_item, officer)
    mark_note_for_panel(note, officer)
    review = db.session.scalar(select(Review).where(Review.case_id == case.id))
    return case, review, marked_item, note


def test_marking_is_audited_and_in_the_chain_of_custody(db, review_case):
    case, _review, item, note = review_case
    assert item.panel_marked_at is not None and note.panel_marked_at is not None
    custody = db.session.scalars(
        select(CustodyEvent.action).where(CustodyEvent.item_id == item.id)
    ).all()
    assert custody == [CustodyAction.added, CustodyAction.marked_for_panel]
    actions = set(
        db.session.scalars(select(AuditEntry.action).where(AuditEntry.case_id == case.id))
    )
    assert {"evidence.marked_for_panel", "note.marked_for_panel"} <= actions
    mark_evidence_for_panel(item, case.created_by, marked=False)  # the review is open
    assert item.panel_marked_at is None
    assert db.session.scalar(
        select(func.count()).where(
            CustodyEvent.item_id == item.id,
            CustodyEvent.action == CustodyAction.unmarked_for_panel,
        )
    )


def test_the_package_carries_marked_internal_material_only(db, review_case):
    _case, review, _item, _note = review_case
    package = review_package(review)
    titles = [e["title"] for e in package["evidence"]]
    notes = [n["title"] for n in package["notes"]]
    assert MARKED_ITEM in titles and "未标记内部证据" not in titles
    assert MARKED_NOTE in notes and "未标记内部笔记" not in notes
    assert all(e["internal"] for e in package["evidence"] if e["title"] == MARKED_ITEM)


def test_who_may_mark_and_what(db, review_case, make_user):
    case, _review, item, note = review_case
    for outsider in (
        make_user("SH", roles=("auditor",)),
        make_user("SH", roles=("officer",)),  # not on the team
        make_user("JS", roles=("supervisor",)),
    ):
        with pytest.raises(NotAllowed):
            mark_evidence_for_panel(item, outsider, marked=False)
    with pytest.raises(GuardFailed) as caught:
        mark_note_for_panel(note, case.created_by)
    assert caught.value.code == "already_marked"
    shared = register_physical_item(case, "共享物证", case.created_by, visibility="shared")
    with pytest.raises(GuardFailed) as caught:
        mark_evidence_for_panel(shared, case.created_by)
    assert caught.value.code == "already_shared"
    assert shared.panel_marked_at is None and item.panel_marked_at is not None


def test_the_mark_stays_once_a_panel_decided_on_it(db, make_case):
    from app.demo.conduct import conduct_review

    case = make_case(state=CaseState.findings)
    officer = case.created_by
    note = internal_note(case, officer)
    mark_note_for_panel(note, officer)
    conduct_review(case)
    with pytest.raises(GuardFailed) as caught:
        mark_note_for_panel(note, officer, marked=False)
    assert caught.value.code == "decided_on"
    assert note.panel_marked_at is not None


def test_members_see_it_in_the_package_a_recused_member_never(client, db, review_case):
    _case, review, _item, _note = review_case
    reader, recused = review.members[1], review.members[2]
    for member in (reader, recused):
        member.seat.expert.user.password_hash = password_hash()
    declare(reader.seat.expert.user, review, "none")
    declare(recused.seat.expert.user, review, "relative")
    db.session.commit()
    url = f"/committees/reviews/{review.id}"
    sign_in(client, reader.seat.expert.user)
    page = text(client.get(url))
    assert MARKED_ITEM in page and MARKED_NOTE in page
    assert 'data-testid="package-internal"' in page and "未标记内部笔记" not in page
    sign_in(client, recused.seat.expert.user)
    response = client.get(url)
    assert response.status_code == 403 and MARKED_NOTE not in text(response)  # told: recused


def test_the_case_team_marks_through_the_pages(client, db, make_case):
    case = make_case(state=CaseState.investigating)
    officer = case.created_by
    item = add_file_evidence(case, Upload(io.BytesIO(PDF), "y.pdf"), officer, title="内部证据")
    note = internal_note(case, officer)
    db.session.commit()
    sign_in(client, officer)
    page = text(client.get(f"/cases/{case.reference}/evidence/{item.id}"))
    assert 'data-testid="panel-mark"' in page
    url = f"/cases/{case.reference}/evidence/{item.id}/panel"
    assert client.post(url, data={"marked": "1"}).status_code == 302
    assert client.post(url, data={"marked": "1"}).status_code == 409  # already marked
    db.session.expire_all()
    assert db.session.get(EvidenceItem, item.id).panel_marked_at is not None
    assert 'data-testid="for-panel"' in text(client.get(f"/cases/{case.reference}/evidence"))
    notes = text(client.get(f"/cases/{case.reference}/notes"))
    assert 'data-testid="note-panel-mark"' in notes
    url = f"/cases/{case.reference}/notes/{note.id}/panel"
    assert client.post(url, data={"marked": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(CaseNote, note.id).panel_marked_at is not None
    assert client.post(url, data={"marked": "0"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(CaseNote, note.id).panel_marked_at is None


def test_marked_material_never_reaches_a_joint_participant(client, joint):
    from tests.api.conftest import ApiClient

    case, lead, participant = joint["case"], joint["sh_officer"], joint["js_officer"]
    item = db.session.scalar(select(EvidenceItem).where(EvidenceItem.title == INTERNAL_EVIDENCE))
    note = db.session.scalar(select(CaseNote).where(CaseNote.title == INTERNAL_NOTE))
    mark_evidence_for_panel(item, lead)
    mark_note_for_panel(note, lead)
    db.session.commit()
    sign_in(client, participant)
    ref = case.reference
    for path in (f"/cases/{ref}", f"/cases/{ref}/evidence", f"/cases/{ref}/notes"):
        page = text(client.get(path))
        assert INTERNAL_EVIDENCE not in page and INTERNAL_NOTE not in page, path
    assert client.get(f"/cases/{ref}/evidence/{item.id}").status_code == 404
    marking = client.post(f"/cases/{ref}/notes/{note.id}/panel", data={"marked": "0"})
    assert marking.status_code == 403
    from app.auth.services import create_token

    token = create_token(participant)
    db.session.commit()
    body = ApiClient(client, db, token).get(f"/api/v1/cases/{ref}").get_data(as_text=True)
    assert INTERNAL_EVIDENCE not in body and INTERNAL_NOTE not in body


def test_marked_material_stays_out_of_shared_dossiers_and_exchanged_records(db, make_case):
    from app.dossiers.loader import DossierContext
    from app.dossiers.models import DossierLevel
    from app.evidence.dossier import load_evidence
    from app.notes.dossier import load_notes
    from app.records.models import RecordStatus
    from app.records.services import build_payload, draft_record, suggested_draft

    case = make_case(state=CaseState.decided)
    officer = case.created_by
    note = internal_note(case, officer)
    item = register_physical_item(case, MARKED_ITEM, officer)
    mark_note_for_panel(note, officer)
    mark_evidence_for_panel(item, officer)
    shared = DossierContext(case, officer, DossierLevel.shared, False)
    internal = DossierContext(case, officer, DossierLevel.internal, False)
    assert MARKED_NOTE not in json.dumps(load_notes(shared), ensure_ascii=False)
    assert MARKED_ITEM not in json.dumps(load_evidence(shared), ensure_ascii=False)
    assert MARKED_NOTE in json.dumps(load_notes(internal), ensure_ascii=False)
    record = draft_record(case, officer, suggested_draft(case, case.respondents[0]))
    payload = json.dumps(build_payload(record, RecordStatus.active, None), ensure_ascii=False)
    assert MARKED_NOTE not in payload and MARKED_ITEM not in payload
