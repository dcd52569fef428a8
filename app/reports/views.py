"""Pages: integrity reports (list, request, download) and the verify page for every PDF
this platform signs."""

from __future__ import annotations

from flask import abort, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_

from app.core.pages import attempt, form_status, run_step
from app.core.pdfsign import document_kind_label
from app.extensions import db
from app.reports import bp
from app.reports.forms import ReportForm, VerifyForm
from app.reports.models import IntegrityReport
from app.reports.permissions import can_request_report, get_report_or_404, visible_reports
from app.reports.services import (
    VERIFY_MAX_BYTES,
    ReportRequest,
    issue_report,
    normalise_code,
    record_download,
    report_path,
    verify_document,
)


@bp.get("/integrity-reports")
@login_required
def report_list():
    if not can_request_report(current_user):
        abort(403)
    return _list_page(ReportForm(formdata=None))


def _list_page(form: ReportForm, status: int = 200):
    query = visible_reports(current_user)
    q = (request.args.get("q") or "").strip()
    if q:
        like = f"%{q}%"
        query = query.where(
            or_(IntegrityReport.subject_name.ilike(like), IntegrityReport.code == normalise_code(q))
        )
    page = db.paginate(
        query.order_by(IntegrityReport.as_of.desc(), IntegrityReport.id.desc()),
        per_page=25,
        max_per_page=100,
        error_out=False,
    )
    return render_template("reports/list.html", page=page, form=form, q=q), status


@bp.post("/integrity-reports")
@login_required
def request_report():
    if not can_request_report(current_user):
        abort(403)
    form = ReportForm()
    if not form.validate_on_submit():
        return _list_page(form, form_status(form))
    return run_step(
        lambda: issue_report(
            current_user, ReportRequest(form.name.data, form.id_type.data, form.id_number.data)
        ),
        refused=lambda _err: _list_page(form)[0],
        to=lambda report: url_for("reports.report_list", q=report.code),
        done=lambda report: _("Integrity report %(code)s is issued and signed.", code=report.code),
        form=form,
    )


@bp.get("/integrity-reports/<code>.pdf")
@login_required
def download(code: str):
    report = get_report_or_404(code, current_user)
    path = report_path(report)
    if not path.exists():
        abort(404)
    record_download(report, current_user)
    db.session.commit()
    return send_file(
        path, mimetype="application/pdf", as_attachment=True, download_name=report.filename
    )


@bp.route("/verify", methods=["GET", "POST"])
@login_required
def verify():
    form = VerifyForm()
    if request.method == "GET":
        form.code.data = request.args.get("code", "")
        return _verify_page(form, None)
    upload = request.files.get("file")
    data = upload.read(VERIFY_MAX_BYTES + 1) if upload else b""
    result, err = attempt(
        lambda: verify_document(current_user, data=data, code=form.code.data), form=form
    )
    if err is not None:
        return _verify_page(form, None), err.status
    db.session.commit()
    return _verify_page(form, result)


def _verify_page(form: VerifyForm, result):
    return render_template(
        "reports/verify.html", form=form, result=result, kind_label=document_kind_label
    )
