"""The intake: an agency's online reports waiting to be registered, attached or refused."""

from __future__ import annotations

from flask import abort, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from app.cases.models import Case
from app.core.pages import run_step
from app.evidence import storage
from app.extensions import db
from app.reporting import bp, services
from app.reporting.forms import AttachForm, MessageForm, NotAcceptForm, RegisterForm
from app.reporting.models import Report, ReportFile, ReportState
from app.reporting.permissions import (
    can_act,
    get_report_or_404,
    may_see_reporter,
    may_use_intake,
    visible_clause,
)

SHOWN_STATES = ("received", "overdue", "registered", "attached", "not_accepted", "all")


def intake_badge(user):
    """The navigation badge's statement: reports waiting in the user's intake (0 for a user
    with none)."""
    if not may_use_intake(user):
        return 0
    return select(func.count()).where(visible_clause(user), Report.state == ReportState.received)


def overdue_panel(user) -> dict | None:
    """The supervisors' queue: reports in intake past the outcome's due date."""
    from app.auth.models import Role

    if not user.has_role(Role.supervisor):
        return None
    rows = db.session.scalars(
        select(Report)
        .where(visible_clause(user), services.overdue_clause())
        .order_by(Report.outcome_due, Report.id)
        .limit(10)
    ).all()
    return {"rows": rows}


@bp.route("/intake")
@login_required
def intake():
    if not may_use_intake(current_user):
        abort(403)
    state = request.args.get("state", "received")
    if state not in SHOWN_STATES:
        state = "received"
    query = select(Report).where(visible_clause(current_user))
    if state == "overdue":
        query = query.where(services.overdue_clause())
    elif state != "all":
        query = query.where(Report.state == ReportState(state))
    q = (request.args.get("q") or "").strip()
    if q:
        query = query.where(Report.number.contains(q.upper()))
    order = Report.submitted_at.asc() if state in ("received", "overdue") else Report.id.desc()
    page = db.paginate(query.order_by(order, Report.id), per_page=25)
    return render_template(
        "reporting/intake.html",
        page=page,
        state=state,
        states=SHOWN_STATES,
        q=q,
        figures=services.intake_figures(current_user.agency_id),
    )


def _detail(report: Report, status: int = 200, **forms):
    identity = None
    if request.args.get("identity") == "1" and may_see_reporter(current_user, report):
        identity = services.reporter_identity(report, current_user)
        db.session.commit()
    page = render_template(
        "reporting/intake_detail.html",
        report=report,
        case=db.session.get(Case, report.case_id) if report.case_id else None,
        may_act=can_act(current_user, report),
        may_see_reporter=may_see_reporter(current_user, report),
        identity=identity,
        register_form=forms.get("register_form") or RegisterForm(formdata=None),
        attach_form=forms.get("attach_form") or AttachForm(formdata=None),
        not_accept_form=forms.get("not_accept_form") or NotAcceptForm(formdata=None),
        message_form=forms.get("message_form") or MessageForm(formdata=None),
    )
    return page, status


@bp.route("/intake/<int:report_id>")
@login_required
def intake_detail(report_id: int):
    return _detail(get_report_or_404(report_id, current_user))


def _step(report_id: int, form_cls, name: str, action, done, to=None):
    report = get_report_or_404(report_id, current_user, need="act")
    form = form_cls()
    return run_step(
        lambda: action(report, form),
        refused=lambda err: _detail(db.session.get(Report, report_id), err.status, **{name: form})[
            0
        ],
        to=to or url_for("reporting.intake_detail", report_id=report_id),
        done=done,
        form=form,
    )


@bp.route("/intake/<int:report_id>/register", methods=["POST"])
@login_required
def register(report_id: int):
    return _step(
        report_id,
        RegisterForm,
        "register_form",
        lambda report, form: services.register_report_as_case(
            report, current_user, form.title.data
        ),
        done=lambda case: _("The report is registered as case %(ref)s.", ref=case.reference),
        to=lambda case: url_for("cases.detail", reference=case.reference),
    )


@bp.route("/intake/<int:report_id>/attach", methods=["POST"])
@login_required
def attach(report_id: int):
    return _step(
        report_id,
        AttachForm,
        "attach_form",
        lambda report, form: services.attach_report(report, form.reference.data, current_user),
        done=lambda case: _("The report is added to case %(ref)s.", ref=case.reference),
    )


@bp.route("/intake/<int:report_id>/not-accept", methods=["POST"])
@login_required
def not_accept(report_id: int):
    return _step(
        report_id,
        NotAcceptForm,
        "not_accept_form",
        lambda report, form: services.not_accept_report(
            report, form.reason.data, current_user, form.internal_note.data
        ),
        done=_("The report is recorded as not accepted; the reporter reads the reason."),
    )


@bp.route("/intake/<int:report_id>/message", methods=["POST"])
@login_required
def message(report_id: int):
    return _step(
        report_id,
        MessageForm,
        "message_form",
        lambda report, form: services.post_officer_message(report, form.body.data, current_user),
        done=_("The message is sent; the reporter reads it on their next visit."),
    )


@bp.route("/intake/<int:report_id>/files/<int:file_id>")
@login_required
def file(report_id: int, file_id: int):
    from app.core import audit

    report = get_report_or_404(report_id, current_user)
    row = db.session.scalar(
        select(ReportFile).where(ReportFile.id == file_id, ReportFile.report_id == report.id)
    )
    path = storage.blob_path(row.blob_sha256) if row else None
    if row is None or not path.exists():
        abort(404)
    audit.record("report.file_download", obj=report, details={"file": row.id})
    db.session.commit()
    response = send_file(
        path,
        mimetype=row.mime_type,
        as_attachment=True,
        download_name=storage.download_name(row.original_name, row.mime_type),
        conditional=False,
    )
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
