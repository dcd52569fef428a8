"""A refused step on a page answers the status the API would, shows why on the page the
user came from (no redirect), keeps what they typed and changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from app.cases.models import CaseState
from app.core.audit import AuditEntry
from app.dossiers.models import Dossier
from app.evidence.models import EvidenceItem
from app.jobs.models import Job
from app.joint.models import Participation, Task
from app.notes.models import CaseNote
from app.statistics.models import AnnualReport
from tests.ui_helpers import sign_in


def _count(db, model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def _state(db, *models) -> tuple[int, ...]:
    """What a refused step must leave as it was: the audit trail and the rows it would add."""
    return tuple(_count(db, m) for m in (AuditEntry, *models))


def _refused(client, db, url: str, data: dict, status: int, *models) -> str:
    """Posts a step that must be refused: it answers `status` and leaves the audit trail and
    the rows of `models` as they were. Returns the page shown."""
    before = _state(db, *models)
    response = client.post(url, data=data)
    assert response.status_code == status
    assert _state(db, *models) == before
    return response.get_data(as_text=True)


def _lead(db, case, make_user):
    lead = case.lead.user
    lead.locale = "en"
    db.session.commit()
    return lead


def test_refused_dossier_request_shows_the_case_page_again(client, db, make_case, make_user):
    case = make_case(state="investigating")
    sign_in(client, _lead(db, case, make_user))
    html = _refused(
        client,
        db,
        f"/cases/{case.reference}/dossiers",
        {"level": "secret", "pdfa": "1"},
        422,
        Dossier,
        Job,
    )
    assert "Choose the dossier level." in html and 'data-testid="error"' in html
    assert 'id="dossier-pdfa" checked' in html  # the box ticked stays ticked


def test_refused_annual_report_keeps_the_choices(client, db, make_user):
    supervisor = make_user("SH", roles=("supervisor",), locale="en")
    sign_in(client, supervisor)
    html = _refused(
        client,
        db,
        "/statistics/reports",
        {"year": "1999", "scope": "region", "locale": "en"},
        422,
        AnnualReport,
        Job,
    )
    assert "Choose a year from 2000 to 2100." in html and "quarter" not in html
    assert '<option value="region" selected>' in html
    assert '<option value="en" selected>' in html


def test_refused_note_keeps_what_was_typed(client, db, make_case, make_user):
    case = make_case(state="investigating")
    sign_in(client, _lead(db, case, make_user))
    html = _refused(
        client,
        db,
        f"/cases/{case.reference}/notes",
        {"kind": "interview", "title": "与被调查人谈话", "happened_on": "", "body": "要点"},
        422,
        CaseNote,
    )
    assert "Nothing was saved." in html and 'value="与被调查人谈话"' in html


def test_refused_note_on_an_ended_case_answers_the_conflict(client, db, make_case, make_user):
    case = make_case(state=CaseState.closed)
    sign_in(client, _lead(db, case, make_user))
    html = _refused(
        client,
        db,
        f"/cases/{case.reference}/notes",
        {"kind": "note", "title": "补充", "happened_on": "2026-03-03", "body": "x"},
        409,
        CaseNote,
    )
    assert "its record is read-only" in html


def test_refused_physical_item_keeps_the_fields(client, db, make_case, make_user):
    case = make_case(state="investigating")
    sign_in(client, _lead(db, case, make_user))
    html = _refused(
        client,
        db,
        f"/cases/{case.reference}/evidence/physical",
        {"title": "  ", "location": "档案柜三层", "description": "原始实验记录本"},
        422,
        EvidenceItem,
    )
    assert "Give the item a title." in html
    assert 'value="档案柜三层"' in html and "原始实验记录本</textarea>" in html


def test_refused_invitation_shows_the_case_page_with_the_message_kept(
    client, db, make_case, make_user
):
    case = make_case(state="investigating")
    supervisor = make_user("SH", roles=("supervisor",), locale="en")
    db.session.commit()
    sign_in(client, supervisor)
    html = _refused(
        client,
        db,
        f"/cases/{case.reference}/joint/invite",
        {"agencies": ["NOPE"], "message": "请协助核查原始数据", "respond_by": ""},
        422,
        Participation,
    )
    assert "Choose agencies from the list." in html and 'data-testid="error"' in html
    assert "请协助核查原始数据</textarea>" in html


def test_refused_task_keeps_the_description(client, db, make_case, make_user, agency):
    from app.joint.services import accept_invitation, invite_agencies

    case = make_case(state="investigating")
    lead = _lead(db, case, make_user)
    (js,) = invite_agencies(
        case, [agency("JS")], "请协助调查", make_user("SH", roles=("supervisor",)), None
    )
    accept_invitation(
        js, [make_user("JS", roles=("officer",))], make_user("JS", roles=("supervisor",))
    )
    db.session.commit()
    sign_in(client, lead)
    html = _refused(
        client,
        db,
        f"/cases/{case.reference}/tasks",
        {"agency": "SH", "kind": "nonsense", "title": "核对", "description": "核对原始数据"},
        422,
        Task,
    )
    assert "Choose the kind of task from the list." in html and "Nothing was changed." in html
    assert 'value="核对"' in html and "核对原始数据</textarea>" in html


def test_refused_expert_account_link_keeps_the_username(client, db, make_user):
    from app.committees.models import Expert
    from app.committees.services import ExpertInput, register_expert

    admin = make_user("SH", roles=("agency_admin",), locale="en")
    expert = register_expert(
        admin,
        ExpertInput(name="王专家", institution="南京大学", gender="female", categories=["peer"]),
    )
    db.session.commit()
    sign_in(client, admin)
    html = _refused(
        client,
        db,
        f"/committees/experts/{expert.id}/account",
        {"username": "no-such-account", "link": "y"},
        422,
        Expert,
    )
    assert "No account has that username." in html and 'value="no-such-account"' in html
    db.session.expire_all()
    assert db.session.get(Expert, expert.id).user_id is None


def test_refused_token_shows_why_under_the_field_and_creates_none(client, db, make_user):
    from app.auth.models import ApiToken

    user = make_user("SH", roles=("officer",), locale="en")
    sign_in(client, user)
    html = _refused(
        client, db, "/account/tokens", {"name": "导出脚本", "days": "100000"}, 422, ApiToken
    )
    assert "A token lasts from 1 to" in html and 'value="导出脚本"' in html
