"""Pages: records (list, detail, draft, approve, amend, revoke, recognise), integrity check."""

from __future__ import annotations

from flask import abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from app.cases.models import Case, Severity
from app.cases.permissions import AGENCY_READ_ROLES, get_case_or_404
from app.core.labels import options
from app.core.pages import attempt, form_status, run_step
from app.extensions import db
from app.records import bp
from app.records import extension_points as hooks
from app.records.forms import (
    AmendForm,
    IntegrityCheckForm,
    PublishNowForm,
    RecognitionForm,
    RecordDraftForm,
    ReturnForm,
    ReviseForm,
    RevokeForm,
    WithdrawForm,
)
from app.records.models import DraftStage, IntegrityRecord, Recognition, RecordStatus
from app.records.permissions import (
    CHECK_ROLES,
    VIEW_ROLES,
    can_amend,
    can_draft,
    can_recognise,
    can_revoke,
    can_withdraw,
    case_section_visible,
    is_admin_of,
    visible_records,
)
from app.records.remedy_views import remedies_section, remedies_visible
from app.records.services import (
    RecordDraft,
    amend_record,
    amendment_suggestion,
    approval_context,
    approve_record,
    can_revise,
    decision_under_review,
    draft_record,
    integrity_check,
    pending_review,
    record_recognition,
    respondent_cleared,
    resubmit_record,
    return_record,
    revoke_record,
    suggested_draft,
    terms_of,
    withdraw_record,
)


def _record_or_404(record_id: int) -> IntegrityRecord:
    record = db.session.scalar(visible_records(current_user).where(IntegrityRecord.id == record_id))
    if record is None:
        abort(404)
    return record


@bp.route("/records")
@login_required
def record_list():
    if not current_user.has_role(*VIEW_ROLES):
        abort(403)  # a list that could only ever be empty is not offered
    query = visible_records(current_user)
    status = request.args.get("status")
    if status in RecordStatus.__members__:
        query = query.where(IntegrityRecord.status == RecordStatus(status))
    origin = request.args.get("origin")
    if origin in ("local", "received"):
        query = query.where(IntegrityRecord.is_local == (origin == "local"))
    page = db.paginate(
        query.order_by(IntegrityRecord.updated_at.desc(), IntegrityRecord.id.desc()).options(
            selectinload(IntegrityRecord.case)
        ),
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
    return _detail_page(_record_or_404(record_id))


def _severity(code: str):
    """A payload's severity is its code: read as the closed set it belongs to, so the page
    shows its label (an unknown code from a peer shows as sent)."""
    try:
        return Severity(code)
    except ValueError:
        return code


def _detail_page(
    record: IntegrityRecord,
    revoke_form: RevokeForm | None = None,
    recognition_form: RecognitionForm | None = None,
    return_form: ReturnForm | None = None,
    publish_now_form: PublishNowForm | None = None,
    withdraw_form: WithdrawForm | None = None,
) -> str:
    """The record's page; after a refused step it is shown again with the forms as posted."""
    recognition = next(
        (
            r
            for r in record.recognitions
            if r.peer_id is None and r.agency_id == current_user.agency_id
        ),
        None,
    )
    if recognition_form is None and can_recognise(current_user, record):
        recognition_form = RecognitionForm(obj=recognition)
    if revoke_form is None and can_revoke(current_user, record):
        revoke_form = RevokeForm(formdata=None)
    admin_of_draft = is_admin_of(current_user, record) and record.status == RecordStatus.draft
    pending = pending_review(record) if record.status == RecordStatus.draft else None
    may_approve = admin_of_draft and record.draft_stage != DraftStage.returned
    if may_approve and publish_now_form is None:
        publish_now_form = PublishNowForm(formdata=None)
    if return_form is None and admin_of_draft and record.draft_stage != DraftStage.returned:
        return_form = ReturnForm(formdata=None)
    if withdraw_form is None and can_withdraw(current_user, record):
        withdraw_form = WithdrawForm(formdata=None)
    return render_template(
        "records/detail.html",
        withdraw_form=withdraw_form,
        under_review=decision_under_review(record) and record.agency_id == current_user.agency_id,
        record=record,
        severity=_severity,
        sections=hooks.load_record_sections(record, current_user),
        remedies=remedies_section(record, current_user) if remedies_visible(record) else None,
        recognition_form=recognition_form,
        revoke_form=revoke_form,
        may_approve=may_approve,
        held=record.status == RecordStatus.draft and record.draft_stage == DraftStage.held,
        pending=pending,
        cleared=record.status == RecordStatus.draft and respondent_cleared(record),
        publish_now_form=publish_now_form if may_approve else None,
        return_form=return_form if admin_of_draft else None,
        may_revise=can_revise(current_user, record),
        approval=approval_context(record, current_user),
        may_open_case=record.case is not None
        and record.agency_id == current_user.agency_id
        and current_user.has_role(*AGENCY_READ_ROLES),
        review_warning=_review_warning(record) if may_approve else None,
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
    # Only a respondent found at fault gets a record.
    form.party_id.choices = options((p.id, p.name) for p in case.respondents_at_fault)
    if request.method == "GET":
        suggestion = suggested_draft(case, case.respondents_at_fault[0])
        form.process(obj=suggestion)

    def page():
        return render_template("records/draft.html", case=case, form=form)

    if form.validate_on_submit():
        return run_step(
            lambda: draft_record(case, current_user, _terms(form, form.party_id.data)),
            refused=lambda err: page(),
            form=form,
            to=lambda record: url_for("records.record_detail", record_id=record.id),
            done=_("The record is drafted; an agency administrator approves publishing it."),
        )
    return page(), form_status(form)


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


def _publishing_step(
    action, success: str, record: IntegrityRecord, refused, form=None, held: str | None = None
):
    """Runs a publishing step through the one refusal path; once it is committed, hands the
    version to its listeners (the exchange delivers it) and says where it went (and whether
    its decision may still change on review). An approval held until the review window
    closes publishes nothing yet: `held` says so."""
    published: list[hooks.Publication | None] = []

    def step():
        published.append(action())
        return published[0]

    response = run_step(
        step,
        refused=refused,
        form=form,
        to=url_for("records.record_detail", record_id=record.id),
        done=lambda publication: (
            " ".join([success, *publication.summaries()]) if publication is not None else held
        ),
    )
    if response.status_code == 302 and published[0] is None:
        return response
    if response.status_code == 302:
        published[0].dispatch()
        warning = _review_warning(record)
        if warning:
            flash(warning, "warning")
    return response


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


@bp.post("/records/<int:record_id>/approve")
@login_required
def approve(record_id: int):
    """Approves a draft: published now once the review window has closed, else held until
    it closes, or published now with the reason why it may not wait (`publish_now`)."""
    record = _record_or_404(record_id)
    form = PublishNowForm()
    if not form.validate_on_submit():
        return _detail_page(record, publish_now_form=form), 422
    publish_now = request.form.get("publish_now") == "1"
    return _publishing_step(
        lambda: approve_record(
            record, current_user, publish_now=publish_now, reason=form.reason.data
        ),
        _("The record is published."),
        record,
        refused=lambda err: _detail_page(record, publish_now_form=form),
        form=form,
        held=_("The record is approved. It is published when the review window has closed."),
    )


@bp.post("/records/<int:record_id>/return")
@login_required
def return_draft(record_id: int):
    """An administrator sends a draft back to its officer with the reason."""
    record = _record_or_404(record_id)
    form = ReturnForm()
    if not form.validate_on_submit():
        return _detail_page(record, return_form=form), 422
    return run_step(
        lambda: return_record(record, current_user, form.reason.data),
        refused=lambda err: _detail_page(record, return_form=form),
        form=form,
        to=url_for("records.record_detail", record_id=record.id),
        done=_("The draft is returned to the officer with your reason."),
    )


@bp.post("/records/<int:record_id>/withdraw")
@login_required
def withdraw(record_id: int):
    """The agency's administrator or the drafting officer discards a draft that is not to
    be published, with the reason."""
    record = _record_or_404(record_id)
    form = WithdrawForm()
    if not form.validate_on_submit():
        return _detail_page(record, withdraw_form=form), 422
    return run_step(
        lambda: withdraw_record(record, current_user, form.reason.data),
        refused=lambda err: _detail_page(record, withdraw_form=form),
        form=form,
        to=url_for("records.record_detail", record_id=record.id),
        done=_("The draft is withdrawn: it is never published."),
    )


@bp.route("/records/<int:record_id>/revise", methods=["GET", "POST"])
@login_required
def revise(record_id: int):
    """The officer corrects a returned draft and submits it again."""
    record = _record_or_404(record_id)
    if record.case is None or record.agency_id != current_user.agency_id:
        abort(404)
    if not can_revise(current_user, record) and request.method == "GET":
        abort(403)
    form = ReviseForm()
    if request.method == "GET":
        form.process(obj=_revision_prefill(record))

    def page():
        return render_template("records/revise.html", record=record, form=form)

    if form.validate_on_submit():
        return run_step(
            lambda: resubmit_record(record, current_user, _terms(form, record.party_id)),
            refused=lambda err: page(),
            form=form,
            to=url_for("records.record_detail", record_id=record.id),
            done=_("The corrected draft is submitted again for approval."),
        )
    return page(), form_status(form)


def _revision_prefill(record: IntegrityRecord) -> RecordDraft:
    """The draft as it was; returned because a review changed the decision, the decision
    in force."""
    log = record.approval_log or []
    if log and log[-1].get("step") == "review_changed" and not respondent_cleared(record):
        return suggested_draft(record.case, record.party)
    return terms_of(record)


@bp.post("/records/<int:record_id>/revoke")
@login_required
def revoke(record_id: int):
    record = _record_or_404(record_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        return _detail_page(record, revoke_form=form), 422
    return _publishing_step(
        lambda: revoke_record(record, current_user, form.reason.data),
        _("The revocation is published."),
        record,
        refused=lambda err: _detail_page(record, revoke_form=form),
        form=form,
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
        form.process(obj=amendment_suggestion(record))

    def page():
        return render_template("records/amend.html", record=record, form=form)

    if form.validate_on_submit():
        return _publishing_step(
            lambda: amend_record(
                record, current_user, _terms(form, record.party_id), form.reason.data
            ),
            _("The amended record is published."),
            record,
            refused=lambda err: page(),
            form=form,
        )
    return page(), form_status(form)


@bp.post("/records/<int:record_id>/recognition")
@login_required
def recognise(record_id: int):
    record = _record_or_404(record_id)
    form = RecognitionForm()
    if not form.validate_on_submit():
        return _detail_page(record, recognition_form=form), 422
    decided: list[Recognition] = []

    def step():
        decided.append(
            record_recognition(
                record, current_user, form.decision.data, form.modified_terms.data, form.reason.data
            )
        )

    response = run_step(
        step,
        refused=lambda err: _detail_page(record, recognition_form=form),
        form=form,
        to=url_for("records.record_detail", record_id=record.id),
        done=(
            _("The recognition decision is recorded and sent to the origin.")
            if record.peer_id is not None
            else _("The recognition decision is recorded.")
        ),
    )
    if decided:  # committed
        hooks.recognition_decided(decided[0])
    return response


@bp.route("/integrity-check", methods=["GET", "POST"])
@login_required
def check():
    if not current_user.has_role(*CHECK_ROLES):
        abort(403)
    form = IntegrityCheckForm()
    records = None
    if form.validate_on_submit():
        records, err = attempt(
            lambda: integrity_check(
                current_user, form.name.data, form.id_type.data, form.id_number.data
            ),
            form=form,
        )
        if err is not None:
            return _check_page(form, None), err.status
        db.session.commit()
    return _check_page(form, records), form_status(form)


def _check_page(form: IntegrityCheckForm, records) -> str:
    return render_template("records/check.html", form=form, records=records, name=form.name.data)


def case_section_data(case: Case, user) -> dict:
    """What the case page's records section shows: the case's records this user may see."""
    records = db.session.scalars(
        visible_records(user).where(IntegrityRecord.case_id == case.id).order_by(IntegrityRecord.id)
    ).all()
    return {"records": records, "may_draft": can_draft(user, case)}
