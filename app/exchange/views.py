"""Pages: records (list, detail, draft, approve, revoke, recognise), integrity check, peers."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from app.cases.models import Case
from app.cases.permissions import AGENCY_READ_ROLES, get_case_or_404
from app.core.errors import ServiceError
from app.core.labels import options
from app.exchange import bp, node, tasks
from app.exchange.forms import (
    AmendForm,
    IntegrityCheckForm,
    PeerForm,
    RecognitionForm,
    RecordDraftForm,
    RevokeForm,
)
from app.exchange.models import (
    Delivery,
    ExchangePeer,
    IntegrityRecord,
    RecordStatus,
    RecordVersion,
)
from app.exchange.services import (
    DECIDED,
    RecordDraft,
    add_peer,
    amend_record,
    approval_context,
    approve_record,
    can_amend,
    can_manage_peers,
    can_recognise,
    can_revoke,
    draft_record,
    integrity_check,
    is_admin_of,
    misconduct_found,
    pending_review,
    record_recognition,
    revoke_record,
    set_peer_active,
    suggested_draft,
    terms_of,
    visible_records,
)
from app.extensions import db


def record_json(record: IntegrityRecord) -> dict:
    """The public face of a record (API and checks): no complainant, no full identifier."""
    payload = record.payload or {}
    return {
        "record_id": record.record_uid,
        "version": record.current_version,
        "status": record.status.value,
        "origin_node": record.origin_node,
        "local": record.is_local,
        "subject": {"name": record.subject_name, "id_masked": record.subject_id_masked},
        "deciding_agency": record.deciding_agency,
        "conduct": payload.get("conduct"),
        "outcome": payload.get("outcome"),
        "legal_basis": payload.get("legal_basis"),
        "severity": payload.get("severity"),
        "effective_date": record.effective_date.isoformat() if record.effective_date else None,
        "term_end": record.term_end.isoformat() if record.term_end else None,
        "lifetime": record.lifetime,
        "recognitions": [
            {"agency": r.agency_code, "decision": r.decision.value, "version": r.version}
            for r in record.recognitions
        ],
    }


def case_section_visible(user, case: Case) -> bool:
    return case.state in DECIDED and misconduct_found(case)


def _record_or_404(record_id: int) -> IntegrityRecord:
    record = db.session.scalar(visible_records(current_user).where(IntegrityRecord.id == record_id))
    if record is None:
        abort(404)
    return record


@bp.route("/records")
@login_required
def record_list():
    query = visible_records(current_user)
    status = request.args.get("status")
    if status in RecordStatus.__members__:
        query = query.where(IntegrityRecord.status == RecordStatus(status))
    origin = request.args.get("origin")
    if origin in ("local", "received"):
        query = query.where(IntegrityRecord.is_local == (origin == "local"))
    page = db.paginate(
        query.order_by(IntegrityRecord.updated_at.desc(), IntegrityRecord.id.desc()),
        per_page=25,
        max_per_page=100,
        error_out=False,
    )
    return render_template(
        "records/list.html", page=page, statuses=list(RecordStatus), status=status, origin=origin
    )


@bp.route("/records/<int:record_id>")
@login_required
def record_detail(record_id: int):
    record = _record_or_404(record_id)
    deliveries = []
    if record.is_local:
        deliveries = db.session.scalars(
            select(Delivery)
            .join(Delivery.version)
            .where(RecordVersion.record_id == record.id)
            .options(contains_eager(Delivery.version))
            .order_by(Delivery.id)
        ).all()
    recognition = next(
        (
            r
            for r in record.recognitions
            if r.peer_id is None and r.agency_id == current_user.agency_id
        ),
        None,
    )
    form = RecognitionForm(obj=recognition) if can_recognise(current_user, record) else None
    return render_template(
        "records/detail.html",
        record=record,
        deliveries=deliveries,
        recognition_form=form,
        revoke_form=RevokeForm() if can_revoke(current_user, record) else None,
        may_approve=is_admin_of(current_user, record) and record.status == RecordStatus.draft,
        approval=approval_context(record, current_user),
        may_open_case=record.case is not None
        and record.agency_id == current_user.agency_id
        and current_user.has_role(*AGENCY_READ_ROLES),
        review_warning=_review_warning(record) if record.status == RecordStatus.draft else None,
        may_amend=can_amend(current_user, record),
        recognition_outdated=(
            recognition.version
            if recognition is not None and recognition.version < record.current_version
            else None
        ),
    )


@bp.route("/cases/<reference>/record", methods=["GET", "POST"])
@login_required
def draft(reference: str):
    case = get_case_or_404(reference, current_user, need="edit")
    if not case_section_visible(current_user, case):
        abort(404)
    form = RecordDraftForm()
    form.party_id.choices = options((p.id, p.name) for p in case.respondents)
    if request.method == "GET":
        suggestion = suggested_draft(case, case.respondents[0])
        form.process(obj=suggestion)
    if form.validate_on_submit():
        try:
            record = draft_record(case, current_user, _terms(form, form.party_id.data))
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            flash(str(exc.message), "danger")
        else:
            flash(
                _("The record is drafted; an agency administrator approves publishing it."),
                "success",
            )
            return redirect(url_for("records.record_detail", record_id=record.id))
    return render_template("records/draft.html", case=case, form=form)


def _terms(form, party_id: int) -> RecordDraft:
    return RecordDraft(
        party_id=party_id,
        conduct=form.conduct.data,
        outcome=form.outcome.data,
        legal_basis=form.legal_basis.data,
        effective_date=form.effective_date.data,
        term_end=form.term_end.data,
        lifetime=form.lifetime.data,
        severity=form.severity.data,
    )


def _published(action, success: str, record: IntegrityRecord) -> bool:
    """Runs a publishing step, commits and schedules its deliveries, and says where the
    version went (and whether its decision may still change on review); a refusal is
    flashed and changes nothing."""
    try:
        deliveries = action()
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc.message), "danger")
        return False
    tasks.schedule_deliveries(deliveries)
    flash(f"{success} {_sent_to(len(deliveries))}", "success")
    warning = _review_warning(record)
    if warning:
        flash(warning, "warning")
    return True


def _sent_to(peers: int) -> str:
    if peers:
        return _("Exchange peers it is sent to: %(count)s.", count=peers)
    if not node.is_initialised():
        return _("This node has not joined the exchange yet, so no other deployment receives it.")
    return _("No exchange peer is registered, so no other deployment receives it.")


def _review_warning(record: IntegrityRecord) -> str | None:
    """Publishing while the decision can still change on review is allowed (the record is
    amended or revoked afterwards), but the administrator is told so."""
    pending = pending_review(record)
    if pending is None:
        return None
    if pending.under_review:
        return _(
            "A review of this decision is under way (due %(date)s): if it changes the "
            "decision, amend or revoke the record.",
            date=pending.until.isoformat() if pending.until else "—",
        )
    return _(
        "The review request window of this decision is open until %(date)s: if a review "
        "changes the decision, amend or revoke the record.",
        date=pending.until.isoformat(),
    )


def _run(action, record: IntegrityRecord, success: str):
    _published(action, success, record)
    return redirect(url_for("records.record_detail", record_id=record.id))


@bp.post("/records/<int:record_id>/approve")
@login_required
def approve(record_id: int):
    record = _record_or_404(record_id)
    return _run(
        lambda: approve_record(record, current_user),
        record,
        _("The record is published."),
    )


@bp.post("/records/<int:record_id>/revoke")
@login_required
def revoke(record_id: int):
    record = _record_or_404(record_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        flash(_("A reason is required for this step."), "danger")
        return redirect(url_for("records.record_detail", record_id=record.id))
    return _run(
        lambda: revoke_record(record, current_user, form.reason.data),
        record,
        _("The revocation is published."),
    )


@bp.route("/records/<int:record_id>/amend", methods=["GET", "POST"])
@login_required
def amend(record_id: int):
    """After a review modified the decision: the new terms, published as a new version."""
    record = _record_or_404(record_id)
    if not can_amend(current_user, record):
        abort(403)
    form = AmendForm()
    if request.method == "GET":
        form.process(obj=terms_of(record))
    if form.validate_on_submit() and _published(
        lambda: amend_record(record, current_user, _terms(form, record.party_id), form.reason.data),
        _("The amended record is published."),
        record,
    ):
        return redirect(url_for("records.record_detail", record_id=record.id))
    return render_template("records/amend.html", record=record, form=form)


@bp.post("/records/<int:record_id>/recognition")
@login_required
def recognise(record_id: int):
    record = _record_or_404(record_id)
    form = RecognitionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        row = record_recognition(
            record, current_user, form.decision.data, form.modified_terms.data, form.reason.data
        )
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc.message), "danger")
    else:
        if row.ack_status is not None:
            tasks.enqueue(tasks.send_recognition, row.id)
        flash(_("The recognition decision is recorded and sent to the origin."), "success")
    return redirect(url_for("records.record_detail", record_id=record.id))


@bp.route("/integrity-check", methods=["GET", "POST"])
@login_required
def check():
    from app.exchange.services import CHECK_ROLES

    if not current_user.has_role(*CHECK_ROLES):
        abort(403)
    form = IntegrityCheckForm()
    records = None
    if form.validate_on_submit():
        try:
            records = integrity_check(
                current_user, form.name.data, form.id_type.data, form.id_number.data
            )
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            flash(str(exc.message), "danger")
    return render_template("records/check.html", form=form, records=records, name=form.name.data)


@bp.route("/exchange/peers", methods=["GET", "POST"])
@login_required
def peers():
    if not can_manage_peers(current_user):
        abort(403)
    form = PeerForm()
    if form.validate_on_submit():
        try:
            add_peer(form.node_id.data, form.url.data, form.public_key.data, current_user)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            flash(str(exc.message), "danger")
        else:
            flash(_("The peer is registered."), "success")
            return redirect(url_for("records.peers"))
    rows = db.session.scalars(select(ExchangePeer).order_by(ExchangePeer.node_id)).all()
    identity = node.identity() if node.is_initialised() else None
    return render_template("records/peers.html", form=form, peers=rows, identity=identity)


@bp.post("/exchange/peers/<int:peer_id>/active")
@login_required
def peer_active(peer_id: int):
    peer = db.session.get(ExchangePeer, peer_id) or abort(404)
    try:
        set_peer_active(peer, request.form.get("active") == "1", current_user)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc.message), "danger")
    return redirect(url_for("records.peers"))


@bp.app_context_processor
def case_section_helpers():
    def case_integrity_records(case: Case) -> list[IntegrityRecord]:
        return db.session.scalars(
            visible_records(current_user)
            .where(IntegrityRecord.case_id == case.id)
            .order_by(IntegrityRecord.id)
        ).all()

    def case_record_draftable(case: Case) -> bool:
        from app.cases.permissions import can_handle

        return can_handle(current_user, case)

    return {
        "case_integrity_records": case_integrity_records,
        "case_record_draftable": case_record_draftable,
    }
