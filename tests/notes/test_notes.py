"""Interviews and notes: recorded by the case team, audited, never edited; internal ones stay
in the agency and out of shared dossiers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from app.core.models import AuditEntry
from app.dossiers.models import DossierLevel
from app.dossiers.services import request_dossier
from app.notes.models import CaseNote, NoteKind
from app.notes.services import NoteInput, add_note
from tests.dossiers.test_contents import _text
from tests.ui_helpers import sign_in


def _count(db, case) -> int:
    return db.session.scalar(select(func.count()).where(CaseNote.case_id == case.id))


def test_team_records_an_interview_and_sees_it_on_the_case(db, make_case, client):
    case = make_case(state="investigating")
    lead = case.lead.user
    sign_in(client, lead)
    response = client.post(
        f"/cases/{case.reference}/notes",
        data={
            "kind": "interview",
            "title": "第一次谈话",
            "happened_on": "2026-05-06",
            "interviewee": "张伟",
            "location": "第三会议室",
            "body": "张伟陈述了实验数据的来源。",
            "visibility": "internal",
        },
    )
    assert response.status_code == 302
    note = db.session.scalar(select(CaseNote).where(CaseNote.case_id == case.id))
    assert (note.kind, note.interviewee, note.author_id) == (NoteKind.interview, "张伟", lead.id)
    entry = db.session.scalar(
        select(AuditEntry)
        .where(AuditEntry.action == "note.add.interview")
        .order_by(AuditEntry.id.desc())
    )
    assert entry.case_id == case.id and entry.object_id == str(note.id)
    detail = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert 'data-testid="notes-section"' in detail and "第一次谈话" in detail
    listing = client.get(f"/cases/{case.reference}/notes").get_data(as_text=True)
    assert "张伟陈述了实验数据的来源。" in listing and "第三会议室" in listing


def test_bad_input_is_refused_keeps_what_was_typed_and_stores_nothing(db, make_case, client):
    case = make_case(state="investigating")
    sign_in(client, case.lead.user)
    base = {
        "kind": "interview",
        "title": "谈话",
        "happened_on": "2026-05-06",
        "interviewee": "",
        "body": "谈话内容要点甲乙丙",
        "visibility": "internal",
    }
    tomorrow = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    for changes in (
        {},  # an interview names who was interviewed
        {"interviewee": "李强", "happened_on": tomorrow},
        {"interviewee": "李强", "body": "   "},
        {"interviewee": "李强", "visibility": "public"},
        {"interviewee": "李强", "happened_on": "not-a-date"},
    ):
        response = client.post(f"/cases/{case.reference}/notes", data={**base, **changes})
        assert response.status_code == 422, changes
        assert "谈话" in response.get_data(as_text=True)
    assert _count(db, case) == 0
    # A note needs no interviewee.
    ok = client.post(f"/cases/{case.reference}/notes", data={**base, "kind": "note"})
    assert ok.status_code == 302 and _count(db, case) == 1


def test_who_may_read_and_add(db, make_case, make_user, client):
    case = make_case(state="investigating")
    add_note(
        case,
        case.lead.user,
        NoteInput("note", "内部备注", dt.date(2026, 5, 1), "仅限本机构", visibility="internal"),
    )
    auditor = make_user("SH", roles=("auditor",))
    sign_in(client, auditor)
    page = client.get(f"/cases/{case.reference}/notes")
    assert page.status_code == 200 and "内部备注" in page.get_data(as_text=True)
    assert 'name="body"' not in page.get_data(as_text=True)
    refused = client.post(
        f"/cases/{case.reference}/notes",
        data={"kind": "note", "title": "x", "happened_on": "2026-05-01", "body": "x"},
    )
    assert refused.status_code == 403 and _count(db, case) == 1
    sign_in(client, make_user("JS", roles=("officer",)))
    assert client.get(f"/cases/{case.reference}/notes").status_code == 404


def test_dossier_carries_interviews_and_leaves_internal_ones_out_of_shared(app, db, make_case):
    case = make_case(state="investigating")
    lead = case.lead.user
    add_note(
        case,
        lead,
        NoteInput(
            "interview",
            "第二次谈话",
            dt.date(2026, 5, 8),
            "被调查人承认图表重复使用",
            visibility="shared",
            interviewee="李强",
        ),
    )
    add_note(case, lead, NoteInput("note", "内部研判", dt.date(2026, 5, 9), "拟建议从重处理"))
    request_dossier(case, lead, DossierLevel.internal)
    internal = _text(app, db, case, DossierLevel.internal)
    assert "被调查人承认图表重复使用" in internal and "拟建议从重处理" in internal
    assert "李强" in internal and "无谈话记录或备注" not in internal
    request_dossier(case, lead, DossierLevel.shared)
    shared = _text(app, db, case, DossierLevel.shared)
    assert "被调查人承认图表重复使用" in shared and "拟建议从重处理" not in shared
