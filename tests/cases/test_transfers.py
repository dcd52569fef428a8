"""Transfers (移送) with acceptance: offered by the sender's supervisor, answered by the
receiving agency's supervisor, withdrawn by the sender; what each side sees on the way."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.auth.services import create_token
from app.cases.models import Case, CaseState, CaseTransfer, Complainant, HistoryEntry, TeamRole
from app.cases.models import TransferState as T
from app.cases.services import assign_member
from app.cases.transfers import accept_transfer
from app.core.errors import IllegalTransition, InvalidInput, NotAllowed
from app.core.models import AuditEntry
from app.notifications.models import Notification
from app.protection.conflicts import declare_conflicts
from app.protection.identity import grant_complainant_access
from tests.ui_helpers import page_version, sign_in, text


@pytest.fixture
def people(make_user):
    """Sender SH, receiver JS, a third agency ZJ, and the platform's system administrator."""
    return {
        "sh_supervisor": make_user("SH", roles=("supervisor",), locale="en"),
        "sh_officer": make_user("SH", roles=("officer",), locale="en"),
        "js_supervisor": make_user("JS", roles=("supervisor",), locale="en"),
        "js_officer": make_user("JS", roles=("officer",), locale="en"),
        "zj_supervisor": make_user("ZJ", roles=("supervisor", "officer", "auditor"), locale="en"),
        "sysadmin": make_user("PLATFORM", roles=("sysadmin",), locale="en"),
    }


@pytest.fixture
def in_review(make_case, people):
    """A SH case in preliminary review, on a team."""
    return make_case("SH", state=CaseState.preliminary_review, by=people["sh_officer"])


@pytest.fixture
def offered(db, in_review, people, offer):
    """The SH case offered to JS; the identity stays."""
    transfer = offer(in_review, people["sh_supervisor"])
    db.session.commit()
    return in_review, transfer


def _count(db, model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _fresh(db, model, row_id):
    """The row as the database holds it now, after the request that changed it."""
    db.session.expire_all()
    return db.session.get(model, row_id)


def test_an_offer_waits_for_the_receiver_and_tells_its_supervisors(db, client, offered, people):
    case, transfer = offered
    assert case.state == CaseState.transfer_pending and case.agency.code == "SH"
    assert transfer.state == T.pending and transfer.sender_reference == case.reference
    note = db.session.scalar(
        select(Notification).where(Notification.user_id == people["js_supervisor"].id)
    )
    assert note is not None and case.reference in note.text and "李娜" not in note.text
    sign_in(client, people["js_supervisor"])
    assert case.reference in text(client.get("/"))
    assert case.reference in text(client.get("/transfers"))
    page = text(client.get(f"/transfers/{transfer.id}"))
    assert "被举报人所在单位属江苏管辖" in page and "论文第三章大段抄袭" in page
    assert "31010119800101123X" not in page and "3101**********123X" in page  # masked
    assert "李娜" not in page and "13800000000" not in page  # the identity did not travel
    # The receiver decides from the restricted view: the case page is still the sender's.
    assert client.get(f"/cases/{case.reference}").status_code == 404


def test_accepting_moves_the_case_with_a_new_reference_and_clears_the_team(
    db, client, offered, people
):
    case, transfer = offered
    old_ref, case_id = case.reference, case.id
    history_before = _count(db, HistoryEntry, HistoryEntry.case_id == case_id)
    sign_in(client, people["js_supervisor"])
    response = client.post(f"/transfers/{transfer.id}/accept")
    assert response.status_code == 302
    moved = _fresh(db, Case, case_id)
    assert moved.agency.code == "JS" and moved.reference.startswith("JS-")
    assert moved.state == CaseState.received and moved.members == [] and moved.due_date is None
    assert moved.respondents[0].name == "张伟" and len(moved.allegations) == 1
    assert _count(db, HistoryEntry, HistoryEntry.case_id == case_id) == history_before + 1
    assert moved.complainant is None  # the identity stayed with the sender ...
    record = db.session.get(CaseTransfer, transfer.id)
    assert record.kept_complainant_name == "李娜"  # ... in its record, encrypted at rest
    assert record.state == T.accepted and record.receiver_reference == moved.reference
    assert record.snapshot["reference"] == old_ref and record.snapshot["timeline"]
    # The old reference is shown and searchable at the receiver.
    page = text(client.get(f"/cases/{moved.reference}"))
    assert old_ref in page and 'data-testid="former-reference"' in page
    assert moved.reference in text(client.get(f"/cases?q={old_ref}"))
    # The sender lost the case at once, and keeps its record of what it sent.
    sign_in(client, people["sh_officer"])
    assert client.get(f"/cases/{moved.reference}").status_code == 404
    assert moved.reference not in text(client.get(f"/cases?q={old_ref}"))
    sent = text(client.get("/transfers"))
    assert old_ref in sent and "Accepted" in sent
    record_page = text(client.get(f"/transfers/{transfer.id}"))
    assert moved.reference in record_page and "李娜" not in record_page
    assert (
        _count(
            db,
            Notification,
            Notification.user_id == people["sh_supervisor"].id,
            Notification.kind == "transfer.accepted",
        )
        == 1
    )
    actions = set(
        db.session.scalars(select(AuditEntry.action).where(AuditEntry.case_id == case_id))
    )
    assert {"transfer.offer", "case.accept_transfer", "transfer.accepted"} <= actions
    assert "complainant.kept_by_sender" in actions


def test_the_sender_supervisor_may_read_the_kept_identity_and_the_view_is_audited(
    db, client, offered, people
):
    _case, transfer = offered
    accept_transfer(transfer, people["js_supervisor"])
    db.session.commit()
    sign_in(client, people["sh_officer"])
    assert client.post(f"/transfers/{transfer.id}/kept-identity").status_code == 403
    sign_in(client, people["sh_supervisor"])
    before = _count(db, AuditEntry, AuditEntry.action == "complainant.view")
    page = text(client.post(f"/transfers/{transfer.id}/kept-identity"))
    assert "李娜" in page
    assert _count(db, AuditEntry, AuditEntry.action == "complainant.view") == before + 1


def test_an_identity_that_travels_moves_on_acceptance_and_is_never_shown_before(
    db, client, in_review, people, offer
):
    """Issue 20, item 3: the offer page, the API and the case itself keep the identity from
    the receiving agency until it accepts; then the one rule (a granted team member of the
    owning agency) answers for the receiver as it did for the sender."""
    case = in_review
    transfer = offer(case, people["sh_supervisor"], identity_travels=True, reason="移送")
    db.session.commit()
    views = _count(db, AuditEntry, AuditEntry.action == "complainant.view")
    receiver = people["js_supervisor"]
    sign_in(client, receiver)
    page = text(client.get(f"/transfers/{transfer.id}"))
    assert "论文第三章大段抄袭" in page  # the offer itself is readable ...
    assert "李娜" not in page and "13800000000" not in page  # ... the complainant is not
    assert 'data-testid="identity-on-acceptance"' in page
    token = create_token(receiver)
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    body = client.get(f"/api/v1/transfers/{transfer.id}", headers=headers).get_data(as_text=True)
    assert "李娜" not in body and "13800000000" not in body
    assert client.get(f"/api/v1/cases/{case.reference}", headers=headers).status_code == 404
    assert _count(db, AuditEntry, AuditEntry.action == "complainant.view") == views
    sign_in(client, people["js_officer"])  # a receiving officer does not decide: 404
    assert client.get(f"/transfers/{transfer.id}").status_code == 404

    accept_transfer(transfer, receiver)
    db.session.commit()
    moved = _fresh(db, Case, case.id)
    assert moved.complainant is not None and moved.complainant.name == "李娜"
    assert db.session.get(CaseTransfer, transfer.id).kept_complainant_name is None
    officer = people["js_officer"]
    declare_conflicts(moved, officer, [])
    member = assign_member(moved, officer, TeamRole.lead, receiver)
    db.session.commit()
    response = client.get(f"/api/v1/cases/{moved.reference}", headers=headers)
    assert response.get_json()["complainant"] is None  # not granted: the rule says no
    grant_complainant_access(moved, member.id, receiver)
    db.session.commit()
    sign_in(client, officer)
    assert "李娜" in text(client.get(f"/cases/{moved.reference}/complainant"))


def test_refusing_needs_a_reason_and_returns_the_case_to_the_sender(db, client, offered, people):
    case, transfer = offered
    sign_in(client, people["js_supervisor"])
    version = case.version
    response = client.post(f"/transfers/{transfer.id}/refuse", data={"reason": "  "})
    assert response.status_code == 422
    assert "Give the reason for refusing the transfer." in text(response)
    assert _fresh(db, Case, case.id).version == version
    assert db.session.get(CaseTransfer, transfer.id).state == T.pending
    response = client.post(f"/transfers/{transfer.id}/refuse", data={"reason": "不属本省管辖"})
    assert response.status_code == 302
    back = _fresh(db, Case, case.id)
    assert back.state == CaseState.preliminary_review and back.agency.code == "SH"
    assert back.transfer_agency_id is None
    assert (
        back.history[-1].action == "refuse_transfer" and back.history[-1].reason == "不属本省管辖"
    )
    sign_in(client, people["sh_officer"])
    assert "不属本省管辖" in text(client.get(f"/cases/{case.reference}"))
    assert _count(db, Notification, Notification.kind == "transfer.refused") >= 1


def test_withdrawing_returns_the_case_and_a_later_answer_is_refused(db, client, offered, people):
    case, transfer = offered
    sign_in(client, people["sh_officer"])  # officers do not withdraw
    assert client.post(f"/transfers/{transfer.id}/withdraw").status_code == 403
    sign_in(client, people["sh_supervisor"])
    assert client.post(f"/transfers/{transfer.id}/withdraw").status_code == 302
    assert _fresh(db, Case, case.id).state == CaseState.preliminary_review
    sign_in(client, people["js_supervisor"])
    response = client.post(f"/transfers/{transfer.id}/accept")
    assert response.status_code == 409
    assert "withdrew this transfer" in text(response)
    assert _fresh(db, Case, case.id).agency.code == "SH"
    assert db.session.get(CaseTransfer, transfer.id).state == T.withdrawn


def test_accepting_twice_and_withdrawing_after_an_answer_are_refused(db, client, offered, people):
    case, transfer = offered
    sign_in(client, people["js_supervisor"])
    assert client.post(f"/transfers/{transfer.id}/accept").status_code == 302
    reference = _fresh(db, Case, case.id).reference
    response = client.post(f"/transfers/{transfer.id}/accept")
    assert response.status_code == 409 and "already been accepted" in text(response)
    sign_in(client, people["sh_supervisor"])
    response = client.post(f"/transfers/{transfer.id}/withdraw")
    assert response.status_code == 409 and "already been accepted" in text(response)
    assert _fresh(db, Case, case.id).reference == reference
    assert db.session.get(CaseTransfer, transfer.id).state == T.accepted


def test_a_transfer_to_the_own_agency_is_refused_in_both_languages(
    db, client, in_review, people, offer
):
    case = in_review
    with pytest.raises(InvalidInput, match=r"its own agency|本机关"):
        offer(case, people["sh_supervisor"], to="SH", reason="移送")
    db.session.commit()
    for locale, message in (
        ("en", "A case cannot be transferred to its own agency"),
        ("zh", "案件不能移送给本机关"),
    ):
        people["sh_supervisor"].locale = locale
        db.session.commit()
        sign_in(client, people["sh_supervisor"])
        response = client.post(
            f"/cases/{case.reference}/transitions/transfer_case",
            data={
                "target_agency": "SH",
                "reason": "移送",
                "version": page_version(client, case.reference),
            },
        )
        assert response.status_code == 422
        assert message in text(response)
    assert _fresh(db, Case, case.id).state == CaseState.preliminary_review
    assert _count(db, CaseTransfer, CaseTransfer.case_id == case.id) == 0


def test_a_second_offer_waits_for_the_first_answer(db, offered, people, offer):
    case, _transfer = offered
    with pytest.raises(IllegalTransition):  # the case is no longer in preliminary review
        offer(case, people["sh_supervisor"], to="ZJ", reason="再移送")
    assert _count(db, CaseTransfer, CaseTransfer.case_id == case.id) == 1


def test_only_the_receiving_supervisor_answers(db, offered, people):
    _case, transfer = offered
    for who in ("sh_supervisor", "js_officer", "zj_supervisor"):
        with pytest.raises(NotAllowed):
            accept_transfer(transfer, people[who])
    assert db.session.get(CaseTransfer, transfer.id).state == T.pending


# route -> (method, path, data); every new page for every kind of visitor.
ROUTES = {
    "list": ("GET", "/transfers", None),
    "detail": ("GET", "/transfers/{id}", None),
    "accept": ("POST", "/transfers/{id}/accept", None),
    "refuse": ("POST", "/transfers/{id}/refuse", {"reason": "不属本省管辖"}),
    "withdraw": ("POST", "/transfers/{id}/withdraw", None),
    "kept": ("POST", "/transfers/{id}/kept-identity", None),
}
STEPS = ("accept", "refuse", "withdraw", "kept")
# Who never learns of the transfer: their list is empty and the transfer does not exist.
UNAWARE = {"list": 200, "detail": 404, **dict.fromkeys(STEPS, 404)}
EXPECTED = {
    "sh_supervisor": {"list": 200, "detail": 200, **dict.fromkeys(STEPS, 403), "withdraw": 302},
    "sh_officer": {"list": 200, "detail": 200, **dict.fromkeys(STEPS, 403)},
    "js_supervisor": {
        "list": 200,
        "detail": 200,
        **dict.fromkeys(STEPS, 403),
        "accept": 302,
        "refuse": 302,
    },
    "js_officer": UNAWARE,
    "zj_supervisor": UNAWARE,
    "sysadmin": UNAWARE,
}


@pytest.mark.parametrize("route", sorted(ROUTES))
@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_access_matrix(db, client, offered, people, route, who):
    case, transfer = offered
    method, path, data = ROUTES[route]
    client.post("/logout")
    anonymous = client.open(path.format(id=transfer.id), method=method, data=data)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    sign_in(client, people[who])
    response = client.open(path.format(id=transfer.id), method=method, data=data)
    assert response.status_code == EXPECTED[who][route], text(response)[:300]
    if response.status_code != 302:
        db.session.expire_all()
        assert db.session.get(CaseTransfer, transfer.id).state == T.pending
        assert db.session.get(Case, case.id).state == CaseState.transfer_pending


def test_no_other_agency_learns_of_a_transfer(db, client, offered, people):
    case, transfer = offered
    for who in ("zj_supervisor", "js_officer", "sysadmin"):
        sign_in(client, people[who])
        for url in ("/", "/transfers", f"/transfers/{transfer.id}"):
            page = text(client.get(url))
            assert case.reference not in page and case.title not in page, (who, url)
        found = text(client.get(f"/cases?q={case.reference}"))
        assert f'/cases/{case.reference}"' not in found and case.title not in found
    assert _count(db, Notification, Notification.user_id == people["zj_supervisor"].id) == 0
    assert _count(db, Notification, Notification.user_id == people["js_officer"].id) == 0
    assert _count(db, Complainant, Complainant.case_id == case.id) == 1


def test_the_dossier_shows_the_transfer_history_without_the_identity(app, db, offered, people):
    from pypdf import PdfReader

    from app.dossiers.models import Dossier, DossierLevel
    from app.dossiers.services import request_dossier

    case, transfer = offered
    old_ref = case.reference
    moved = accept_transfer(transfer, people["js_supervisor"])
    request_dossier(moved, people["js_supervisor"], DossierLevel.internal)
    db.session.expire_all()
    dossier = db.session.scalar(select(Dossier).where(Dossier.case_id == case.id))
    reader = PdfReader(f"{app.config['FILE_STORE']}/{dossier.path}")
    pdf = "".join(page.extract_text() for page in reader.pages).replace("\n", "")
    assert old_ref in pdf and "被举报人所在单位属江苏管辖" in pdf and "留在移送机关" in pdf
    assert "李娜" not in pdf
