"""Pages of the review record (审查记录): its versions, a new rendering, the PDF."""

from __future__ import annotations

from flask import abort, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core import audit
from app.core.pages import run_step
from app.ethics import bp
from app.ethics import permissions as perm
from app.ethics import review_record as rec
from app.ethics.views import load_application
from app.extensions import db


def _load(reference: str):
    application, _level = load_application(reference, need=perm.SUMMARY)
    if not rec.may_read(current_user, application):
        abort(403)
    return application


def _page(application):
    return render_template(
        "ethics/review_record.html", application=application, rows=rec.records_of(application)
    )


@bp.route("/<reference>/review-record", methods=["GET", "POST"])
@login_required
def review_record(reference: str):
    application = _load(reference)
    if request.method == "GET":
        return _page(application)
    return run_step(
        lambda: rec.request_record(current_user, application),
        refused=lambda err: _page(application),
        to=url_for("ethics.review_record", reference=reference),
        done=_("The review record is being generated."),
    )


@bp.route("/<reference>/review-record/<int:record_id>.pdf")
@login_required
def review_record_pdf(reference: str, record_id: int):
    application = _load(reference)
    row = db.session.get(rec.ReviewRecord, record_id)
    if row is None or row.application_id != application.id or row.path is None:
        abort(404)
    audit.record(
        "ethics.record.downloaded",
        actor=current_user,
        obj=application,
        agency_id=application.unit.agency_id,
        details={"ref": application.reference, "record": row.id},
    )
    db.session.commit()
    return send_file(
        rec.record_path(row),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"{application.reference}-review-record-{row.id}.pdf",
    )
