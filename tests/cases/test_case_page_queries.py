"""The case page's sections load their data in the view, so the page's queries are in one
place and bounded: a case with ten notes, evidence items, dossiers and records costs the
same statements as one with two (no query per row), on the full page and on the page a
participating agency sees."""

from __future__ import annotations

import uuid

import pytest

from app.cases.models import CaseState
from app.core.calendar import today
from app.dossiers.models import Dossier, DossierLevel
from app.evidence.services import register_physical_item
from app.extensions import db
from app.joint.services import accept_invitation, invite_agencies
from app.notes.services import NoteInput, add_note
from app.records.services import approve_record, draft_record, suggested_draft
from tests.statements import counted

# The full page took 34 statements and the shared one 25 when this was written: room for a
# new section, far below one query per row of four sections.
MOST_STATEMENTS = 60


def _material(case, author, n: int) -> None:
    for i in range(n):
        add_note(
            case,
            author,
            NoteInput(
                kind="note",
                title=f"笔记{i}",
                happened_on=today(),
                body="正文",
                visibility="shared",
            ),
        )
        register_physical_item(case, f"实验记录本{i}", author, visibility="shared")
        for level in (DossierLevel.internal, DossierLevel.shared):
            db.session.add(
                Dossier(
                    document_id=uuid.uuid4().hex,
                    case_id=case.id,
                    level=level,
                    requested_by_id=author.id,
                    sha256=uuid.uuid4().hex + uuid.uuid4().hex,
                    size=1000,
                    pages=3,
                    path=f"dossiers/{case.reference}/{i}-{level.value}.pdf",
                )
            )
    db.session.flush()


def _page_statements(login, client, user, case) -> int:
    """Statements issued by the case page for this user, after a first visit warmed what
    is loaded once per sign-in or process."""
    db.session.commit()
    login(user)
    first = client.get(f"/cases/{case.reference}")
    assert first.status_code == 200, first.get_data(as_text=True)[:500]
    db.session.expire_all()
    with counted(db.engine) as statements:
        response = client.get(f"/cases/{case.reference}")
    assert response.status_code == 200
    client.post("/logout")
    return len(statements)


def _decided_case(make_case, make_user, n: int):
    """A decided case (findings, sanctions) with n notes, evidence items and dossiers of each
    level, and a published record for its respondent."""
    case = make_case(state=CaseState.decided)
    officer = case.created_by
    _material(case, officer, n)
    record = draft_record(case, officer, suggested_draft(case, case.respondents[0]))
    approve_record(record, make_user("SH", roles=("agency_admin",)))
    db.session.flush()
    return case


def test_full_case_page_queries_do_not_grow_with_its_material(make_case, make_user, login, client):
    few = _decided_case(make_case, make_user, 2)
    many = _decided_case(make_case, make_user, 10)
    counts = [_page_statements(login, client, c.created_by, c) for c in (few, many)]
    assert counts[0] == counts[1], counts
    assert counts[1] <= MOST_STATEMENTS, counts


@pytest.fixture
def joint_case(make_case, make_user, agency):
    def make(n: int):
        lead_officer = make_user("SH", roles=("officer",))
        case = make_case(state=CaseState.investigating, by=lead_officer)
        participant = make_user("JS", roles=("officer",))
        (invitation,) = invite_agencies(
            case, [agency("JS")], "请协助调查", make_user("SH", roles=("supervisor",)), None
        )
        accept_invitation(invitation, [participant], make_user("JS", roles=("supervisor",)))
        _material(case, lead_officer, n)
        return case, participant

    return make


def test_shared_case_page_queries_do_not_grow_with_its_material(joint_case, login, client):
    few = joint_case(2)
    many = joint_case(10)
    login(few[1])
    page = client.get(f"/cases/{few[0].reference}").get_data(as_text=True)
    assert 'data-testid="shared-level"' in page
    client.post("/logout")
    counts = [_page_statements(login, client, user, case) for case, user in (few, many)]
    assert counts[0] == counts[1], counts
    assert counts[1] <= MOST_STATEMENTS, counts
