"""Transfers (移送) with acceptance: a case offered to another agency moves only when that
agency's supervisor accepts it.

The offer is the workflow step `transfer_case` (preliminary_review → transfer_pending); the
answers live here because they are taken by the receiving agency, or by the sender
withdrawing. Every answer first claims the pending transfer with one conditional UPDATE
(`state = 'pending'` in its WHERE): of two answers racing, the database lets exactly one
claim it, and the other is refused with nothing changed. The winner moves or returns the
case in the same transaction, so the case is never owned by both agencies or by neither.
"""

from __future__ import annotations

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, false, func, or_, select, update
from sqlalchemy.orm.exc import StaleDataError

from app.auth.agencies import case_agencies
from app.auth.models import Agency, Role, User
from app.cases import extension_points
from app.cases.handoffs import announce_answer, announce_offer
from app.cases.models import Case, CaseState, CaseTransfer, HistoryEntry, TransferState
from app.cases.permissions import AGENCY_READ_ROLES
from app.cases.services import next_sequence, write_history
from app.core import audit
from app.core.calendar import today
from app.core.errors import GuardFailed, InvalidInput, NotAllowed, StaleVersion
from app.core.models import utcnow
from app.extensions import db

STATE_LABELS = {
    TransferState.pending: _l("Awaiting answer"),
    TransferState.accepted: _l("Accepted"),
    TransferState.refused: _l("Refused"),
    TransferState.withdrawn: _l("Withdrawn"),
}

ALREADY = {
    TransferState.accepted: _l("This transfer has already been accepted; nothing was changed."),
    TransferState.refused: _l("This transfer has already been refused; nothing was changed."),
    TransferState.withdrawn: _l(
        "The sending agency withdrew this transfer; there is nothing left to answer."
    ),
}


def state_label(state: TransferState) -> str:
    return str(STATE_LABELS[state])


# --- who sees what -------------------------------------------------------------------------


def transfer_visible_clause(user: User) -> ColumnElement[bool]:
    """The sender's officers, supervisors and auditors see what their agency sent; on the
    receiving side only supervisors, who decide, see what was offered to them."""
    if user is None or not user.is_authenticated:
        return false()
    clauses = []
    if user.has_role(*AGENCY_READ_ROLES):
        clauses.append(CaseTransfer.from_agency_id == user.agency_id)
    if user.has_role(Role.supervisor):
        clauses.append(CaseTransfer.to_agency_id == user.agency_id)
    return or_(*clauses) if clauses else false()


def get_transfer_or_404(transfer_id: int, user: User) -> CaseTransfer:
    transfer = db.session.scalar(
        select(CaseTransfer).where(CaseTransfer.id == transfer_id, transfer_visible_clause(user))
    )
    if transfer is None:
        abort(404)
    return transfer


def incoming_transfers(user: User) -> list[CaseTransfer]:
    """Transfers waiting for this supervisor's agency to answer, oldest first."""
    if not user.has_role(Role.supervisor):
        return []
    return list(
        db.session.scalars(
            select(CaseTransfer)
            .where(
                CaseTransfer.to_agency_id == user.agency_id,
                CaseTransfer.state == TransferState.pending,
            )
            .order_by(CaseTransfer.sent_at, CaseTransfer.id)
        )
    )


def answered_incoming(user: User, limit: int = 50) -> list[CaseTransfer]:
    if not user.has_role(Role.supervisor):
        return []
    return list(
        db.session.scalars(
            select(CaseTransfer)
            .where(
                CaseTransfer.to_agency_id == user.agency_id,
                CaseTransfer.state != TransferState.pending,
            )
            .order_by(CaseTransfer.id.desc())
            .limit(limit)
        )
    )


def sent_transfers(user: User, limit: int = 200) -> list[CaseTransfer]:
    """The sender's read-only record: every transfer its agency offered, newest first."""
    if not user.has_role(*AGENCY_READ_ROLES):
        return []
    return list(
        db.session.scalars(
            select(CaseTransfer)
            .where(CaseTransfer.from_agency_id == user.agency_id)
            .order_by(CaseTransfer.id.desc())
            .limit(limit)
        )
    )


def count_incoming(user: User) -> int:
    if not user.has_role(Role.supervisor):
        return 0
    return db.session.scalar(
        select(func.count())
        .select_from(CaseTransfer)
        .where(
            CaseTransfer.to_agency_id == user.agency_id,
            CaseTransfer.state == TransferState.pending,
        )
    )


def case_transfers(case: Case) -> list[CaseTransfer]:
    return list(
        db.session.scalars(
            select(CaseTransfer).where(CaseTransfer.case_id == case.id).order_by(CaseTransfer.id)
        )
    )


def pending_transfer(case: Case) -> CaseTransfer | None:
    return db.session.scalar(
        select(CaseTransfer).where(
            CaseTransfer.case_id == case.id, CaseTransfer.state == TransferState.pending
        )
    )


def may_answer(user: User, transfer: CaseTransfer) -> bool:
    return user.has_role(Role.supervisor) and user.agency_id == transfer.to_agency_id


def may_withdraw(user: User, transfer: CaseTransfer) -> bool:
    return user.has_role(Role.supervisor) and user.agency_id == transfer.from_agency_id


# --- the offer (inside the workflow step) ----------------------------------------------------


def offer_transfer(
    case: Case, user: User, target_code: str | None, identity_travels: bool, reason: str | None
) -> dict:
    """Applies the `transfer_case` step: records the offer; the case stays with the sender."""
    agency = None
    if target_code:
        agency = db.session.scalar(
            case_agencies().where(
                Agency.code == str(target_code).upper(), Agency.is_active.is_(True)
            )
        )
    if agency is not None and agency.id == case.agency_id:
        raise InvalidInput(
            _l("A case cannot be transferred to its own agency: choose another agency."),
            field="target_agency",
        )
    if agency is None:
        raise InvalidInput(
            _l("Choose the agency the case is transferred to."), field="target_agency"
        )
    if pending_transfer(case) is not None:
        raise GuardFailed(_l("This case already waits for an answer to a transfer."))
    for check in extension_points.transfer_checks:
        check(case)
    transfer = CaseTransfer(
        case_id=case.id,
        from_agency_id=case.agency_id,
        to_agency_id=agency.id,
        sender_reference=case.reference,
        title=case.title,
        reason=reason or "",
        identity_travels=identity_travels,
        sent_by_id=user.id,
        sent_at=utcnow(),
    )
    db.session.add(transfer)
    case.transfer_agency_id = agency.id
    db.session.flush()
    audit.record(
        "transfer.offer",
        actor=user,
        case=case,
        obj=transfer,
        agency_id=agency.id,  # the receiving agency's log shows what was offered to it
        details={"from": case.agency.code, "to": agency.code, "identity": identity_travels},
    )
    announce_offer(transfer, user)
    return {
        "target_agency": agency.code,
        "transfer_id": transfer.id,
        "identity_travels": identity_travels,
    }


def transfer_case(
    case: Case,
    user: User,
    *,
    target_agency: str | None,
    reason: str | None,
    identity_travels: bool,
    expected_version: int | None,
) -> CaseTransfer:
    """The API's and the tests' way to offer a transfer: the workflow step, then its row."""
    from app.cases.workflow import perform

    perform(
        case,
        user,
        "transfer_case",
        expected_version=expected_version,
        reason=reason,
        target_agency=target_agency,
        identity_travels=identity_travels,
    )
    return pending_transfer(case)


# --- the answers -----------------------------------------------------------------------------


def _claim(transfer: CaseTransfer, user: User, state: TransferState, reason: str | None) -> None:
    """Marks the pending transfer answered, or refuses if another answer came first."""
    claimed = db.session.execute(
        update(CaseTransfer)
        .where(CaseTransfer.id == transfer.id, CaseTransfer.state == TransferState.pending)
        .values(state=state, answered_by_id=user.id, answered_at=utcnow(), answer_reason=reason)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(transfer)
    if claimed != 1:
        raise GuardFailed(ALREADY[transfer.state], code="transfer_answered")


def _check_pending(transfer: CaseTransfer) -> None:
    if transfer.state != TransferState.pending:
        raise GuardFailed(ALREADY[transfer.state], code="transfer_answered")


def accept_transfer(transfer: CaseTransfer, user: User) -> Case:
    """The case, its parties, allegations, evidence, notes and history move under the
    receiving agency with a reference of its own, restart at `received`, and lose the
    sender's team; the sender keeps the transfer row and its snapshot."""
    if not may_answer(user, transfer):
        raise NotAllowed(_l("Only a supervisor of the receiving agency answers a transfer."))
    _check_pending(transfer)
    try:
        with db.session.begin_nested():
            _claim(transfer, user, TransferState.accepted, None)
            case = db.session.get(Case, transfer.case_id, populate_existing=True)
            for check in extension_points.transfer_checks:
                check(case)
            transfer.snapshot = _snapshot(case, transfer)
            _settle_identity(case, transfer, user)
            _move(case, transfer, user)
    except StaleDataError as exc:
        raise StaleVersion(
            _l("This case was changed by someone else at the same moment. Reload and try again.")
        ) from exc
    announce_answer(transfer, "transfer.accepted", user)
    return case


def _move(case: Case, transfer: CaseTransfer, user: User) -> None:
    receiver = transfer.to_agency
    year = today().year
    seq = next_sequence(receiver.id, year)
    case.agency_id, case.year, case.seq = receiver.id, year, seq
    case.reference = f"{receiver.code}-{year}-{seq:06d}"
    case.received_date = today()  # its own 受理 at the receiving agency; the sender's is kept
    case.state = CaseState.received
    case.transfer_agency_id = None
    case.members.clear()  # the sender's officers lose access at once
    case.preliminary_due = None
    case.due_date = None
    transfer.receiver_reference = case.reference
    db.session.flush()
    db.session.expire(case, ["agency", "transfers"])
    case.refresh_search_text()
    db.session.flush()
    details = {
        "from_agency": transfer.from_agency.code,
        "to_agency": receiver.code,
        "old_reference": transfer.sender_reference,
        "new_reference": case.reference,
        "transfer_id": transfer.id,
    }
    write_history(
        case,
        user,
        "accept_transfer",
        from_state=CaseState.transfer_pending,
        to_state=CaseState.received,
        details=details,
    )
    extension_points.case_changed(case)
    audit.record("case.accept_transfer", actor=user, case=case, obj=transfer, details=details)
    audit.record(
        "transfer.accepted",
        actor=user,
        case=case,
        obj=transfer,
        agency_id=transfer.from_agency_id,  # the sender's log keeps what left it and when
        details=details,
    )


def _settle_identity(case: Case, transfer: CaseTransfer, user: User) -> None:
    """An identity that does not travel is dropped from the moved case and kept, encrypted,
    in the sender's record; either way the audit log says where it went."""
    c = case.complainant
    if c is None:
        return
    if transfer.identity_travels:
        action, agency_id = "complainant.transferred", transfer.to_agency_id
    else:
        transfer.kept_complainant_name = c.name
        transfer.kept_complainant_contact = c.contact
        transfer.kept_complainant_id_type = c.id_type
        transfer.kept_complainant_id_number = c.id_number
        case.complainant = None
        action, agency_id = "complainant.kept_by_sender", transfer.from_agency_id
    db.session.flush()
    audit.record(
        action,
        actor=user,
        case=case,
        obj=transfer,
        agency_id=agency_id,
        details={"transfer_id": transfer.id, "anonymous": c.anonymous},
    )


def _snapshot(case: Case, transfer: CaseTransfer) -> dict:
    """What the sender handed over, as plain data it keeps after losing the case."""
    history = db.session.scalars(
        select(HistoryEntry).where(HistoryEntry.case_id == case.id).order_by(HistoryEntry.id)
    ).all()
    return {
        "reference": case.reference,
        "title": case.title,
        "received_date": case.received_date.isoformat(),
        "respondents": [p.name for p in case.respondents],
        "allegations": [a.misconduct_type.value for a in case.allegations],
        **{key: count(case) for key, count in extension_points.material_counts.items()},
        "complainant": case.complainant is not None,
        "identity_travels": transfer.identity_travels,
        "timeline": [
            {
                "at": h.at.isoformat(),
                "action": h.action,
                "to": h.to_state.value if h.to_state else None,
                "actor": h.actor.display_name if h.actor else None,
            }
            for h in history
        ],
    }


def refuse_transfer(transfer: CaseTransfer, user: User, reason: str | None) -> Case:
    """The case returns to the sender's preliminary review, with the receiver's reason."""
    if not may_answer(user, transfer):
        raise NotAllowed(_l("Only a supervisor of the receiving agency answers a transfer."))
    _check_pending(transfer)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_l("Give the reason for refusing the transfer."), field="reason")
    if len(reason) > 5000:
        raise InvalidInput(_l("The reason is longer than 5000 characters."), field="reason")
    case = _return(transfer, user, TransferState.refused, reason, "refuse_transfer")
    announce_answer(transfer, "transfer.refused", user)
    return case


def withdraw_transfer(transfer: CaseTransfer, user: User, reason: str | None = None) -> Case:
    """The sender takes its offer back before an answer; the case is at preliminary review."""
    if not may_withdraw(user, transfer):
        raise NotAllowed(_l("Only a supervisor of the sending agency withdraws a transfer."))
    _check_pending(transfer)
    reason = (reason or "").strip()[:5000] or None
    case = _return(transfer, user, TransferState.withdrawn, reason, "withdraw_transfer")
    announce_answer(transfer, "transfer.withdrawn", user)
    return case


def _return(
    transfer: CaseTransfer, user: User, state: TransferState, reason: str | None, action: str
) -> Case:
    try:
        with db.session.begin_nested():
            _claim(transfer, user, state, reason)
            case = db.session.get(Case, transfer.case_id, populate_existing=True)
            case.state = CaseState.preliminary_review
            case.transfer_agency_id = None
            case.due_date = case.preliminary_due
            db.session.flush()
            details = {"transfer_id": transfer.id, "to_agency": transfer.to_agency.code}
            write_history(
                case,
                user,
                action,
                from_state=CaseState.transfer_pending,
                to_state=CaseState.preliminary_review,
                reason=reason,
                details=details,
            )
            extension_points.case_changed(case)  # back in preliminary review, with its deadline
            audit.record(f"case.{action}", actor=user, case=case, obj=transfer, details=details)
            if state == TransferState.refused:  # the sender's log sees the answer too
                audit.record(
                    "transfer.refused",
                    actor=user,
                    case=case,
                    obj=transfer,
                    agency_id=transfer.from_agency_id,
                    details=details,
                )
    except StaleDataError as exc:
        raise StaleVersion(
            _l("This case was changed by someone else at the same moment. Reload and try again.")
        ) from exc
    return case


def kept_identity(transfer: CaseTransfer, user: User) -> dict | None:
    """The identity the sender kept: for its supervisors only, each view audited."""
    kept = transfer.kept_complainant_name or transfer.kept_complainant_contact
    if not (kept and may_withdraw(user, transfer)):
        return None
    audit.record(
        "complainant.view",
        actor=user,
        obj=transfer,
        details={"via": "transfer_record", "transfer_id": transfer.id},
    )
    return {
        "name": transfer.kept_complainant_name,
        "contact": transfer.kept_complainant_contact,
        "id_type": transfer.kept_complainant_id_type,
        "id_number": transfer.kept_complainant_id_number,
    }


# --- the dossier ---------------------------------------------------------------------------


def load_transfer_dossier(ctx) -> dict:
    """The case's transfers for its dossier: who offered it to whom, when, and the answer.
    Identities never appear here, at any level."""
    from app.core.times import local_time

    rows = [
        {
            "from": f"{t.from_agency.name_zh}（{t.sender_reference}）",
            "to": t.to_agency.name_zh
            + (f"（{t.receiver_reference}）" if t.receiver_reference else ""),
            "sent": local_time(t.sent_at),
            "reason": t.reason,
            "identity": "随案移送" if t.identity_travels else "留在移送机关",
            "state": state_label(t.state),
            "answered": local_time(t.answered_at) if t.answered_at else "",
            "answer_reason": t.answer_reason or "",
        }
        for t in case_transfers(ctx.case)
    ]
    return {"transfers": rows}
