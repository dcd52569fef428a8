"""Pages: a subject's objection to a record and request for credit repair — register, forward,
decide — and the record page's section with the record's periods and both."""

from __future__ import annotations

from flask import abort, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.core.calendar import today
from app.core.pages import form_status, run_step
from app.extensions import db
from app.records import bp
from app.records.forms import (
    ForwardForm,
    ObjectionDecisionForm,
    ObjectionForm,
    RepairDecisionForm,
    RepairForm,
)
from app.records.models import (
    IntegrityRecord,
    RecordObjection,
    RecordStatus,
    RepairRequest,
    RepairState,
)
from app.records.permissions import CHECK_ROLES, may_see_remedy, visible_records
from app.records.remedies import (
    DECIDE_ROLES,
    ObjectionDecision,
    RepairFile,
    decide_objection,
    decide_repair,
    forward_objection,
    register_objection,
    repair_from,
    request_repair,
)
from app.records.services import terms_of


def _record_or_404(record_id: int) -> IntegrityRecord:
    record = db.session.scalar(visible_records(current_user).where(IntegrityRecord.id == record_id))
    if record is None:
        abort(404)
    return record


def may_register(user, record: IntegrityRecord) -> bool:
    return (
        user.has_role(*CHECK_ROLES)
        and record.is_local
        and record.status in (RecordStatus.active, RecordStatus.expired)
    )


def _objection_or_404(objection_id: int) -> RecordObjection:
    objection = db.session.get(RecordObjection, objection_id)
    if objection is None or not may_see_remedy(current_user, objection):
        abort(404)
    return objection


def _repair_or_404(repair_id: int) -> RepairRequest:
    repair = db.session.get(RepairRequest, repair_id)
    if repair is None or not may_see_remedy(current_user, repair):
        abort(404)
    return repair


def remedies_section(record: IntegrityRecord, user) -> dict:
    """The record page's section: both periods, whether a check finds the record today, and
    the objections and repair requests this user's agency registered or handles."""
    agency = user.agency_id
    objections = db.session.scalars(
        select(RecordObjection)
        .where(RecordObjection.record_id == record.id)
        .order_by(RecordObjection.id.desc())
    ).all()
    repairs = db.session.scalars(
        select(RepairRequest)
        .where(RepairRequest.record_id == record.id)
        .order_by(RepairRequest.id.desc())
    ).all()
    day = today()
    return {
        "checkable": record.status != RecordStatus.revoked
        and record.repaired_on is None
        and (record.query_until is None or record.query_until >= day),
        "objections": [o for o in objections if may_see_remedy(user, o)],
        "repairs": [r for r in repairs if may_see_remedy(user, r)],
        "may_register": may_register(user, record) and agency is not None,
        "repair_from": repair_from(record) if record.effective_date else None,
    }


def remedies_visible(record: IntegrityRecord) -> bool:
    return record.status not in (RecordStatus.draft, RecordStatus.withdrawn)


@bp.route("/records/<int:record_id>/objections/new", methods=["GET", "POST"])
@login_required
def objection_new(record_id: int):
    record = _record_or_404(record_id)
    if not current_user.has_role(*CHECK_ROLES):
        abort(403)
    form = ObjectionForm()

    def page():
        return render_template("records/objection_new.html", record=record, form=form)

    if form.validate_on_submit():
        return run_step(
            lambda: _dispatched(
                register_objection(
                    record, current_user, form.grounds.data, form.subject_contact.data
                )
            ),
            refused=lambda err: page(),
            form=form,
            to=lambda objection: url_for("records.objection_detail", objection_id=objection.id),
            done=_("The objection is registered and the record is marked “under objection”."),
        )
    return page(), form_status(form)


def _dispatched(result):
    """(row, publication): the publication goes out once `run_step` has committed."""
    row, publication = result
    from flask import after_this_request

    @after_this_request
    def _send(response):
        publication.dispatch()
        return response

    return row


@bp.route("/records/objections/<int:objection_id>", methods=["GET"])
@login_required
def objection_detail(objection_id: int):
    return _objection_page(_objection_or_404(objection_id))


def _objection_page(objection, decision_form=None, status: int = 200):
    record = objection.record
    if decision_form is None:
        decision_form = ObjectionDecisionForm(formdata=None)
        terms = terms_of(record) if record.draft else None
        if terms is not None:
            decision_form.conduct.data = terms.conduct
            decision_form.record_outcome.data = terms.outcome
            decision_form.term_end.data = terms.term_end
            decision_form.lifetime.data = terms.lifetime
    handles = (
        objection.is_open
        and current_user.agency_id == objection.agency_id
        and current_user.has_role(*DECIDE_ROLES)
    )
    return render_template(
        "records/objection.html",
        objection=objection,
        record=record,
        decision_form=decision_form if handles else None,
        forward_form=ForwardForm(formdata=None)
        if handles and objection.agency_id != record.agency_id
        else None,
        may_uphold=objection.agency_id == record.agency_id,
    ), status


@bp.post("/records/objections/<int:objection_id>/forward")
@login_required
def objection_forward(objection_id: int):
    objection = _objection_or_404(objection_id)
    form = ForwardForm()
    if not form.validate_on_submit():
        return _objection_page(objection, status=422)
    return run_step(
        lambda: forward_objection(objection, current_user),
        refused=lambda err: _objection_page(objection)[0],
        to=url_for("records.objection_detail", objection_id=objection.id),
        done=_("The objection is forwarded to the deciding agency."),
    )


@bp.post("/records/objections/<int:objection_id>/decide")
@login_required
def objection_decide(objection_id: int):
    objection = _objection_or_404(objection_id)
    form = ObjectionDecisionForm()
    if not form.validate_on_submit():
        return _objection_page(objection, form, status=422)
    record = objection.record

    def decide():
        correction = None
        if form.outcome.data == "upheld" and form.resolution.data == "corrected" and record.draft:
            correction = terms_of(record)
            correction.conduct = form.conduct.data or ""
            correction.outcome = form.record_outcome.data or ""
            correction.term_end = form.term_end.data
            correction.lifetime = bool(form.lifetime.data)
        publication = decide_objection(
            objection,
            current_user,
            ObjectionDecision(
                outcome=form.outcome.data,
                reasons=form.reasons.data,
                resolution=form.resolution.data,
                correction=correction,
            ),
        )
        return _dispatched((objection, publication))

    return run_step(
        decide,
        refused=lambda err: _objection_page(objection, form)[0],
        form=form,
        to=url_for("records.objection_detail", objection_id=objection.id),
        done=_("The objection is decided; a new version of the record is published."),
    )


@bp.route("/records/<int:record_id>/repairs/new", methods=["GET", "POST"])
@login_required
def repair_new(record_id: int):
    record = _record_or_404(record_id)
    if not current_user.has_role(*CHECK_ROLES):
        abort(403)
    form = RepairForm()

    def page():
        return render_template(
            "records/repair_new.html", record=record, form=form, repair_from=repair_from(record)
        )

    if form.validate_on_submit():

        def upload(field):
            data = field.data
            return RepairFile(data.stream, data.filename) if data else None

        return run_step(
            lambda: request_repair(
                record,
                current_user,
                form.statement.data,
                upload(form.proof),
                upload(form.commitment),
            ),
            refused=lambda err: page(),
            form=form,
            to=lambda repair: url_for("records.repair_detail", repair_id=repair.id),
            done=_("The repair request is registered for the deciding agency's decision."),
        )
    return page(), form_status(form)


@bp.route("/records/repairs/<int:repair_id>", methods=["GET"])
@login_required
def repair_detail(repair_id: int):
    return _repair_page(_repair_or_404(repair_id))


def _repair_page(repair, form=None, status: int = 200):
    decides = (
        repair.state == RepairState.pending
        and current_user.agency_id == repair.agency_id
        and current_user.has_role(*DECIDE_ROLES)
    )
    return render_template(
        "records/repair.html",
        repair=repair,
        record=repair.record,
        form=(form or RepairDecisionForm(formdata=None)) if decides else None,
    ), status


@bp.post("/records/repairs/<int:repair_id>/decide")
@login_required
def repair_decide(repair_id: int):
    repair = _repair_or_404(repair_id)
    form = RepairDecisionForm()
    if not form.validate_on_submit():
        return _repair_page(repair, form, status=422)

    def decide():
        publication = decide_repair(
            repair, current_user, form.decision.data == "approve", form.reasons.data
        )
        if publication is not None:
            _dispatched((repair, publication))
        return repair

    return run_step(
        decide,
        refused=lambda err: _repair_page(repair, form)[0],
        form=form,
        to=url_for("records.repair_detail", repair_id=repair.id),
        done=_("The repair request is decided."),
    )


@bp.get("/records/repairs/<int:repair_id>/<any(proof, commitment):which>")
@login_required
def repair_file(repair_id: int, which: str):
    """The proof or the commitment, to the agencies that see the request; every download
    is audited."""
    repair = _repair_or_404(repair_id)
    sha = repair.proof_sha256 if which == "proof" else repair.commitment_sha256
    name = repair.proof_name if which == "proof" else repair.commitment_name
    return _send_blob(
        sha, name, "record.repair_file", repair.record, {"repair": repair.id, "file": which}
    )


@bp.get("/records/objections/<int:objection_id>/files/<int:file_id>")
@login_required
def objection_file(objection_id: int, file_id: int):
    """A file the subject attached on the portal, to the agencies that see the objection."""
    objection = _objection_or_404(objection_id)
    found = next((f for f in objection.files if f.id == file_id), None)
    if found is None:
        abort(404)
    return _send_blob(
        found.blob_sha256,
        found.original_name,
        "record.objection_file",
        objection.record,
        {"objection": objection.id, "file": found.id},
    )


def _send_blob(sha: str, name: str, action: str, record, details: dict):
    """A stored file as a download in a sandbox; the download is audited."""
    from app.core import audit
    from app.evidence import storage

    path = storage.blob_path(sha)
    if not path.exists():
        abort(404)
    audit.record(action, actor=current_user, obj=record, details=details)
    db.session.commit()
    with path.open("rb") as handle:
        mime = storage.detect_type(handle.read(storage.SNIFF_BYTES))
    response = send_file(
        path,
        mimetype=mime,
        as_attachment=True,
        download_name=storage.download_name(name, mime),
        conditional=False,
    )
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
