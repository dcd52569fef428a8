from flask import abort, current_app, flash, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.cases.models import Case
from app.cases.page import refused_on_case_page
from app.cases.permissions import get_case_or_404, visible_clause
from app.core.errors import InvalidInput
from app.core.pages import run_step
from app.dossiers import bp
from app.dossiers.models import Dossier, DossierLevel
from app.dossiers.permissions import allowed_levels
from app.dossiers.services import (
    claimed_document_id,
    dossier_path,
    record_download,
    request_dossier,
    verify_pdf,
)
from app.extensions import db
from app.jobs.models import DONE_STATUSES, Job

PANEL_LIMIT = 10


def dossier_panel(case: Case, user) -> dict:
    """What the case page shows: the levels on offer, the user's running and past dossiers."""
    dossiers = db.session.scalars(
        select(Dossier)
        .where(Dossier.case_id == case.id, Dossier.requested_by_id == user.id)
        .order_by(Dossier.created_at.desc(), Dossier.id.desc())
        .limit(PANEL_LIMIT)
    ).all()
    jobs = db.session.scalars(
        select(Job)
        .where(
            Job.case_id == case.id,
            Job.user_id == user.id,
            Job.func == "app.dossiers.tasks.generate_dossier",
        )
        .order_by(Job.created_at.desc())
        .limit(3)
    ).all()
    running = [j for j in jobs if j.status not in DONE_STATUSES]
    failed = [j for j in jobs[:1] if j.status.value == "failed"]
    return {
        "levels": allowed_levels(user, case),
        "dossiers": dossiers,
        "running": running,
        "failed": failed,
    }


@bp.post("/cases/<reference>/dossiers")
@login_required
def generate(reference: str):
    case = get_case_or_404(reference, current_user)
    refused = refused_on_case_page(reference, "dossier")

    def action():
        try:
            level = DossierLevel(request.form.get("level", ""))
        except ValueError:
            raise InvalidInput(_("Choose the dossier level."), field="level") from None
        return request_dossier(case, current_user, level, pdfa=bool(request.form.get("pdfa")))

    return run_step(
        action,
        refused=refused,
        to=url_for("cases.detail", reference=reference) + "#dossiers",
        done=_("The dossier is being generated; this page shows when it is ready."),
        category="info",
        page_shows_error=True,
    )


def _own_dossier_or_404(document_id: str) -> Dossier:
    """A dossier is cut to its requester's rights and names them: only they download it."""
    dossier = db.session.scalar(select(Dossier).where(Dossier.document_id == document_id))
    if dossier is None or dossier.requested_by_id != current_user.id:
        abort(404)
    case = db.session.get(Case, dossier.case_id)
    get_case_or_404(case.reference, current_user)
    return dossier


@bp.get("/dossiers/<document_id>.pdf")
@login_required
def download(document_id: str):
    dossier = _own_dossier_or_404(document_id)
    path = dossier_path(dossier)
    if not path.exists():
        abort(404)
    record_download(dossier, current_user)
    db.session.commit()
    return send_file(
        path, mimetype="application/pdf", as_attachment=True, download_name=dossier.filename
    )


@bp.route("/dossiers/verify", methods=["GET", "POST"])
@login_required
def verify():
    if request.method == "GET":
        return render_template("dossiers/verify.html", result=None)
    upload = request.files.get("file")
    data = upload.read() if upload else b""
    if not data:
        flash(_("Choose a PDF file to verify."), "danger")
        return render_template("dossiers/verify.html", result=None), 400
    if not data.startswith(b"%PDF-"):
        flash(_("That file is not a PDF."), "danger")
        return render_template("dossiers/verify.html", result=None), 400
    return render_template("dossiers/verify.html", result=_verification(data))


def _verification(data: bytes) -> dict:
    from app.dossiers.registry import other_verification

    dossier = verify_pdf(data)
    if dossier is None:
        other = other_verification(data, current_user)
        if other is not None:
            return {"ok": True, "other": other}
        return {"ok": False, "claimed": claimed_document_id(data)}
    case = db.session.scalar(
        select(Case).where(Case.id == dossier.case_id, visible_clause(current_user))
    )
    current_app.logger.info("dossier %s verified", dossier.document_id)
    return {"ok": True, "dossier": dossier, "case": case}
