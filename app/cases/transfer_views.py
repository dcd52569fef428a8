"""Transfer pages: what waits for an answer, what was sent, and one transfer's record."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.cases import bp
from app.cases.transfers import (
    accept_transfer,
    answered_incoming,
    get_transfer_or_404,
    incoming_transfers,
    kept_identity,
    may_answer,
    may_withdraw,
    refuse_transfer,
    sent_transfers,
    state_label,
    withdraw_transfer,
)
from app.core.identifiers import mask_id_number
from app.core.pages import run_step
from app.extensions import db


@bp.route("/transfers")
@login_required
def transfers():
    return render_template(
        "cases/transfers.html",
        incoming=incoming_transfers(current_user),
        answered=answered_incoming(current_user),
        sent=sent_transfers(current_user),
        state_label=state_label,
    )


@bp.route("/transfers/<int:transfer_id>")
@login_required
def transfer_detail(transfer_id: int):
    transfer = get_transfer_or_404(transfer_id, current_user)
    return render_transfer(transfer)


def render_transfer(transfer, *, error=None, identity=None, status=200):
    """A receiving supervisor sees what they need to decide while the offer is open, never
    the complainant: the identity moves with the case when the transfer is accepted, and
    from then on only `app.protection.identity` answers who sees it. The sender sees the
    record it keeps. Neither sees the case page of the other agency."""
    pending = transfer.state.value == "pending"
    answering = may_answer(current_user, transfer)
    page = render_template(
        "cases/transfer.html",
        transfer=transfer,
        case=transfer.case if pending and answering else None,
        masked=mask_id_number,
        kept=identity,
        may_answer=answering and pending,
        may_withdraw=may_withdraw(current_user, transfer) and pending,
        may_read_kept=may_withdraw(current_user, transfer)
        and bool(transfer.kept_complainant_name or transfer.kept_complainant_contact),
        state_label=state_label,
        error=error,
        posted=request.form.to_dict() if error else {},
    )
    db.session.commit()  # keeps the audit entry of an identity view with the page
    return page, status


def _answer(transfer, action, *, done: str, to_case: bool = False):
    """Runs an answer for a form post: refused, nothing is kept and the page says why."""
    transfer_id = transfer.id

    def refused(err):
        return render_transfer(
            get_transfer_or_404(transfer_id, current_user), error=err, status=err.status
        )

    def to(case):
        if to_case:
            return url_for("cases.detail", reference=case.reference)
        return url_for("cases.transfer_detail", transfer_id=transfer_id)

    return run_step(action, refused=refused, to=to, done=done, page_shows_error=True)


@bp.route("/transfers/<int:transfer_id>/accept", methods=["POST"])
@login_required
def transfer_accept(transfer_id: int):
    transfer = get_transfer_or_404(transfer_id, current_user)
    return _answer(
        transfer,
        lambda: accept_transfer(transfer, current_user),
        done=_("The transfer was accepted: the case is now registered with your agency."),
        to_case=True,
    )


@bp.route("/transfers/<int:transfer_id>/refuse", methods=["POST"])
@login_required
def transfer_refuse(transfer_id: int):
    transfer = get_transfer_or_404(transfer_id, current_user)
    return _answer(
        transfer,
        lambda: refuse_transfer(transfer, current_user, request.form.get("reason")),
        done=_("The transfer was refused; the case went back to the sending agency."),
    )


@bp.route("/transfers/<int:transfer_id>/withdraw", methods=["POST"])
@login_required
def transfer_withdraw(transfer_id: int):
    transfer = get_transfer_or_404(transfer_id, current_user)
    return _answer(
        transfer,
        lambda: withdraw_transfer(transfer, current_user, request.form.get("reason")),
        done=_("The transfer was withdrawn; the case is back in preliminary review."),
    )


@bp.route("/transfers/<int:transfer_id>/kept-identity", methods=["POST"])
@login_required
def transfer_kept_identity(transfer_id: int):
    """The identity the sender kept when it did not travel: shown on request, audited."""
    transfer = get_transfer_or_404(transfer_id, current_user)
    identity = kept_identity(transfer, current_user)
    if identity is None:
        abort(403)
    return render_transfer(transfer, identity=identity)
