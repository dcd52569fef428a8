"""Pages: the agency's screenings, submitting a list, a screening's results and downloads."""

from __future__ import annotations

from flask import abort, jsonify, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_

from app.core.pages import run_step
from app.extensions import db
from app.screening import bp
from app.screening.forms import ScreeningForm
from app.screening.models import RowState, Screening, ScreeningRow
from app.screening.outputs import label_problem, recognition_label, summary_pdf, workbook_path
from app.screening.permissions import visible_screenings
from app.screening.reading import read_file
from app.screening.services import (
    may_screen,
    progress_of,
    record_download,
    start_screening,
    submit_screening,
)


def _require_screener() -> None:
    if not may_screen(current_user):
        abort(403)


def get_screening_or_404(screening_id: int) -> Screening:
    screening = db.session.scalar(
        visible_screenings(current_user).where(Screening.id == screening_id)
    )
    if screening is None:
        abort(404)
    return screening


@bp.get("/screenings")
@login_required
def screening_list():
    _require_screener()
    page = db.paginate(
        visible_screenings(current_user).order_by(Screening.created_at.desc(), Screening.id.desc()),
        per_page=25,
        max_per_page=100,
        error_out=False,
    )
    return render_template("screening/list.html", page=page)


@bp.route("/screenings/new", methods=["GET", "POST"])
@login_required
def new_screening():
    _require_screener()
    form = ScreeningForm()
    if request.method == "GET":
        return render_template("screening/new.html", form=form)
    upload = request.files.get("file")

    def action():
        screening = submit_screening(
            current_user,
            form.purpose.data,
            lambda: read_file(upload.read() if upload else b""),
            source=upload.filename if upload else "",
        )
        return start_screening(screening, current_user)

    return run_step(
        action,
        form=form,
        refused=lambda _err: render_template("screening/new.html", form=form),
        to=lambda s: url_for("screening.screening_detail", screening_id=s.id),
        done=_("The list is being screened; this page shows the result when it is ready."),
        category="info",
    )


FILTERS = (RowState.record, RowState.objection, RowState.clear, RowState.bad)


@bp.get("/screenings/<int:screening_id>")
@login_required
def screening_detail(screening_id: int):
    screening = get_screening_or_404(screening_id)
    query = db.select(ScreeningRow).where(ScreeningRow.screening_id == screening.id)
    state = request.args.get("state", "")
    if state in RowState.__members__:
        query = query.where(ScreeningRow.state == RowState(state))
    q = request.args.get("q", "").strip()[:100]
    if q:
        pattern = f"%{q}%"
        query = query.where(
            or_(ScreeningRow.name.like(pattern), ScreeningRow.institution.like(pattern))
        )
    page = db.paginate(
        query.order_by(ScreeningRow.line, ScreeningRow.id),
        per_page=50,
        max_per_page=200,
        error_out=False,
    )
    return render_template(
        "screening/detail.html",
        screening=screening,
        page=page,
        state=state,
        q=q,
        filters=FILTERS,
        progress=progress_of(screening),
        problem_label=label_problem,
        recognition=recognition_label,
    )


@bp.get("/screenings/<int:screening_id>/progress.json")
@login_required
def screening_progress(screening_id: int):
    """Polled by the screening's page (static/js/jobs.js): every screener who sees the
    screening follows it, where the job's own status answers its requester only."""
    screening = get_screening_or_404(screening_id)
    failed = screening.status.value == "failed"
    return jsonify(
        {
            "status": screening.status.value,
            "progress": progress_of(screening),
            "error": _("submit the list again.") if failed else None,
            "done": screening.done,
        }
    )


@bp.get("/screenings/<int:screening_id>.xlsx")
@login_required
def download_excel(screening_id: int):
    screening = get_screening_or_404(screening_id)
    path = workbook_path(screening)
    if path is None or not path.exists():
        abort(404)
    record_download(screening, current_user, "xlsx")
    db.session.commit()
    return send_file(
        path,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=f"screening-{screening.id}.xlsx",
    )


@bp.get("/screenings/<int:screening_id>.pdf")
@login_required
def download_pdf(screening_id: int):
    import io

    from app.core.i18n import select_locale

    screening = get_screening_or_404(screening_id)
    if not screening.done or screening.excel_path is None:
        abort(404)
    pdf = summary_pdf(screening, select_locale())
    record_download(screening, current_user, "pdf")
    db.session.commit()
    return send_file(
        io.BytesIO(pdf),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"screening-{screening.id}.pdf",
    )
