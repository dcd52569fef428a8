"""Document pages: the case-page section, a draft and its editing, issuing, the PDF,
service, and the agency administrator's templates."""

from __future__ import annotations

from flask import Response, abort, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.cases.models import CaseState
from app.core import audit
from app.core.labels import label
from app.core.pages import form_status, run_step
from app.documents import bp
from app.documents.forms import DraftForm, TemplateForm, new_draft_form, service_form
from app.documents.models import DocumentKind, OfficialDocument
from app.documents.permissions import (
    get_document_or_404,
    may_draft,
    may_edit_templates,
    may_issue,
    readable_case_or_404,
)
from app.documents.queries import case_documents
from app.documents.services import (
    KIND_STATES,
    agency_template,
    create_draft,
    designation,
    discard_draft,
    document_file,
    issue_document,
    pdf_missing,
    prepare_pdf_again,
    proof_path,
    record_service,
    request_pdf,
    save_template,
    template_wording,
    update_draft,
)
from app.documents.tasks import document_data, render_pdf
from app.documents.wording import PLACEHOLDERS
from app.extensions import db


def offered_kinds(case) -> list[DocumentKind]:
    return [k for k in DocumentKind if case.state in KIND_STATES[k]]


def documents_for_case(case, user) -> dict | None:
    """The case page's section: every document of the case, the draft form where allowed."""
    from app.documents.permissions import may_read

    if not may_read(user, case):
        return None
    rows = case_documents(case)
    kinds = offered_kinds(case) if may_draft(user, case) else []
    return {
        "rows": rows,
        "form": new_draft_form(kinds, case.respondents) if kinds else None,
        "window": window_source(case, rows),
    }


WINDOWS = {
    CaseState.pre_decision_notice: (DocumentKind.pre_decision_notice, "defence_due"),
    CaseState.decided: (DocumentKind.decision, "review_request_due"),
}


def window_source(case, rows) -> str | None:
    """Which date the running defence or review-request window is counted from: the
    recorded service of the document, or (none recorded yet) the provisional date."""
    if case.state not in WINDOWS or (case.state == CaseState.decided and case.review_outcome):
        return None
    kind, field_name = WINDOWS[case.state]
    due = getattr(case, field_name)
    served = [d for d in rows if d.kind == kind and d.service is not None]
    if served:
        last = max(served, key=lambda d: d.service.served_on)
        return _(
            "The window runs until %(due)s, counted from the service of %(number)s on %(date)s.",
            due=due.isoformat(),
            number=last.number,
            date=last.service.served_on.isoformat(),
        )
    return _(
        "The window runs provisionally until %(due)s. Record the service of the %(kind)s "
        "to count it from the date of service.",
        due=due.isoformat() if due else "",
        kind=label(kind),
    )


@bp.route("/cases/<reference>/documents", methods=["POST"])
@login_required
def create(reference: str):
    case = readable_case_or_404(reference, current_user, need="draft")
    form = new_draft_form(offered_kinds(case), case.respondents)
    return run_step(
        lambda: create_draft(case, current_user, form.kind.data, form.party_id.data),
        refused=lambda err: _case_page(case),
        to=lambda document: url_for("documents.detail", document_id=document.id),
        done=_("The draft is made from the agency's template. Check and complete it."),
    )


def _case_page(case):
    from flask import redirect

    return redirect(url_for("cases.detail", reference=case.reference))


def _detail_page(document, *, draft=None, service=None, status=200):
    case = document.case
    if draft is None and not document.is_issued:
        draft = DraftForm(obj=document)
    if service is None and document.is_issued and document.service is None:
        service = service_form()
    page = render_template(
        "documents/detail.html",
        document=document,
        case=case,
        draft=draft,
        service=service,
        may_draft=may_draft(current_user, case),
        may_issue=may_issue(current_user, case),
        pdf_missing=pdf_missing(document),
    )
    return page, status


@bp.route("/documents/<int:document_id>", methods=["GET", "POST"])
@login_required
def detail(document_id: int):
    need = "draft" if request.method == "POST" else "view"
    document = get_document_or_404(document_id, current_user, need=need)
    if request.method == "GET":
        return _detail_page(document)
    form = DraftForm()
    return run_step(
        lambda: update_draft(
            document,
            current_user,
            title=form.title.data,
            recipient=form.recipient.data,
            body=form.body.data,
            expected_version=form.version.data,
        ),
        refused=lambda err: _detail_page(_reloaded(document), draft=form)[0],
        to=url_for("documents.detail", document_id=document.id),
        done=_("The draft is saved."),
        form=form,
    )


def _reloaded(document):
    return db.session.get(OfficialDocument, document.id) or abort(404)


@bp.route("/documents/<int:document_id>/issue", methods=["POST"])
@login_required
def issue(document_id: int):
    document = get_document_or_404(document_id, current_user, need="issue")

    def step():
        issued = issue_document(document, current_user, request.form.get("version"))
        request_pdf(issued, current_user)
        return issued

    return run_step(
        step,
        refused=lambda err: _detail_page(_reloaded(document))[0],
        to=url_for("documents.detail", document_id=document.id),
        done=lambda d: _("Issued as %(number)s. Its PDF is being prepared.", number=d.number),
    )


@bp.route("/documents/<int:document_id>/prepare-pdf", methods=["POST"])
@login_required
def prepare_pdf(document_id: int):
    """The PDF of an issued document whose job could not be queued or failed: queued again,
    for the same document under the same number."""
    document = get_document_or_404(document_id, current_user, need="issue")
    return run_step(
        lambda: prepare_pdf_again(document, current_user),
        refused=lambda err: _detail_page(_reloaded(document))[0],
        to=url_for("documents.detail", document_id=document.id),
        done=_("The PDF is being prepared again."),
        category="info",
    )


@bp.route("/documents/<int:document_id>/discard", methods=["POST"])
@login_required
def discard(document_id: int):
    document = get_document_or_404(document_id, current_user, need="draft")
    reference = document.case.reference
    return run_step(
        lambda: discard_draft(document, current_user),
        refused=lambda err: _detail_page(_reloaded(document))[0],
        to=url_for("cases.detail", reference=reference),
        done=_("The draft is discarded."),
    )


@bp.route("/documents/<int:document_id>/service", methods=["POST"])
@login_required
def service(document_id: int):
    document = get_document_or_404(document_id, current_user, need="serve")
    form = service_form()
    return run_step(
        lambda: record_service(
            document,
            current_user,
            method=form.method.data,
            served_on=form.served_on.data,
            tracking_number=form.tracking_number.data,
            consent=form.consent.data,
            proof=request.files.get("proof"),
        ),
        refused=lambda err: _detail_page(_reloaded(document), service=form)[0],
        to=url_for("documents.detail", document_id=document.id),
        done=_("The service is recorded; any window it starts runs from its date."),
        form=form,
    )


@bp.route("/documents/<int:document_id>/preview.pdf")
@login_required
def preview(document_id: int):
    """A draft as it would print, marked as a draft; rendered on request, never stored."""
    document = get_document_or_404(document_id, current_user)
    if document.is_issued:
        return _download(document)
    rendered = render_pdf(document_data(document))
    return Response(
        rendered.pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="draft-{document.id}.pdf"'},
    )


@bp.route("/documents/<int:document_id>/document.pdf")
@login_required
def download(document_id: int):
    document = get_document_or_404(document_id, current_user)
    if not document.is_issued or not document.sha256:
        abort(404)
    return _download(document)


def _download(document):
    audit.record(
        "document.downloaded",
        actor=current_user,
        case=document.case,
        obj=document,
        details={"number": document.number},
    )
    db.session.commit()
    return send_file(
        document_file(document),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=document.filename,
    )


@bp.route("/documents/<int:document_id>/proof")
@login_required
def proof(document_id: int):
    document = get_document_or_404(document_id, current_user)
    if document.service is None:
        abort(404)
    s = document.service
    return send_file(
        proof_path(s.proof_sha256),
        mimetype=s.proof_type,
        as_attachment=True,
        download_name=s.proof_name,
    )


@bp.route("/documents/templates")
@login_required
def templates():
    if not may_edit_templates(current_user):
        abort(403)
    rows = [
        {"kind": k, "label": label(k), "own": agency_template(current_user.agency_id, k)}
        for k in DocumentKind
    ]
    return render_template(
        "documents/templates.html", rows=rows, designation=designation(current_user.agency)
    )


@bp.route("/documents/templates/<kind>", methods=["GET", "POST"])
@login_required
def template_edit(kind: str):
    if not may_edit_templates(current_user):
        abort(403)
    try:
        kind = DocumentKind(kind)
    except ValueError:
        abort(404)
    own = agency_template(current_user.agency_id, kind)
    form = TemplateForm()
    if not form.is_submitted():
        form.title.data, form.body.data = template_wording(current_user.agency_id, kind)
        form.designation.data = designation(current_user.agency)
        form.version.data = own.version if own else ""
        return _template_page(kind, form, own)
    return run_step(
        lambda: save_template(
            current_user,
            kind,
            form.title.data,
            form.body.data,
            designation_text=form.designation.data,
            expected_version=form.version.data,
        ),
        refused=lambda err: _template_page(kind, form, own)[0],
        to=url_for("documents.templates"),
        done=_("The template is saved. New drafts use it; issued documents keep their text."),
        form=form,
    )


def _template_page(kind, form, own):
    page = render_template(
        "documents/template_form.html",
        kind=kind,
        form=form,
        own=own,
        placeholders=PLACEHOLDERS,
    )
    return page, form_status(form)
