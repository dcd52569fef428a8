"""Evidence pages: the case-page section, the full list, an item, upload, download, preview."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from app.cases.permissions import can_add_material, get_case_or_404
from app.core.pages import run_step
from app.evidence import bp
from app.evidence.models import CustodyAction, EvidenceItem
from app.evidence.pages import item_or_404, item_page, send_item
from app.evidence.services import (
    Upload,
    add_file_evidence,
    case_evidence,
    offered_visibilities,
    record_access,
    register_physical_item,
    withdraw_evidence,
)
from app.extensions import db

SECTION_LIMIT = 10


def evidence_for_case(case, user) -> dict:
    """What the case-page section shows: the latest items and how many there are."""
    query = case_evidence(case, user)
    items = db.session.scalars(
        query.order_by(None).order_by(EvidenceItem.id.desc()).limit(SECTION_LIMIT)
    ).all()
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    return {"rows": items, "total": total, "can_add": can_add_material(user, case)}


@bp.route("/cases/<reference>/evidence")
@login_required
def evidence_list(reference: str):
    case = get_case_or_404(reference, current_user)
    return _list_page(case)


def _list_page(case, *, error: str | None = None, refused: str | None = None, status: int = 200):
    """The evidence list with its forms; after a refusal, the refused form keeps what the
    user typed (a browser never lets a page refill the file field itself)."""
    page = db.paginate(
        case_evidence(case, current_user), per_page=25, max_per_page=100, error_out=False
    )
    return render_template(
        "evidence/list.html",
        case=case,
        page=page,
        can_add=can_add_material(current_user, case),
        visibilities=offered_visibilities(case, current_user),
        error=error,
        refused=refused,
        posted=request.form if refused else {},
    ), status


@bp.route("/cases/<reference>/evidence", methods=["POST"])
@login_required
def upload(reference: str):
    case = get_case_or_404(reference, current_user, need="contribute")
    files = [f for f in request.files.getlist("files") if f and f.filename]
    if not files:
        return _refused(case, _("Choose at least one file to upload."), 400, "upload")

    def action():
        for f in files:
            add_file_evidence(
                case,
                Upload(f.stream, f.filename),
                current_user,
                title=request.form.get("title") if len(files) == 1 else None,
                description=request.form.get("description"),
                visibility=request.form.get("visibility"),
            )

    return _step(
        case,
        action,
        "upload",
        done=_("%(n)s file(s) added to the evidence.", n=len(files)),
    )


def _refused(case, message: str, status: int, form: str):
    return _list_page(case, error=message, refused=form, status=status)


def _step(case, action, form: str, *, done: str):
    """A form of the evidence list; refused, the list again with why and what was typed."""
    return run_step(
        action,
        refused=lambda err: _refused(case, str(err.message), err.status, form),
        to=url_for("evidence.evidence_list", reference=case.reference),
        done=done,
        page_shows_error=True,
    )


@bp.route("/cases/<reference>/evidence/physical", methods=["POST"])
@login_required
def add_physical(reference: str):
    case = get_case_or_404(reference, current_user, need="contribute")
    return _step(
        case,
        lambda: register_physical_item(
            case,
            request.form.get("title", ""),
            current_user,
            description=request.form.get("description"),
            location=request.form.get("location"),
            visibility=request.form.get("visibility"),
        ),
        "physical",
        done=_("Physical item registered."),
    )


@bp.route("/cases/<reference>/evidence/<int:item_id>")
@login_required
def item(reference: str, item_id: int):
    item = item_or_404(reference, item_id)
    record_access(item, CustodyAction.viewed, current_user)
    db.session.commit()
    return item_page(item)


@bp.route("/cases/<reference>/evidence/<int:item_id>/download")
@login_required
def download(reference: str, item_id: int):
    return _send(reference, item_id, inline=False)


@bp.route("/cases/<reference>/evidence/<int:item_id>/preview")
@login_required
def preview(reference: str, item_id: int):
    return _send(reference, item_id, inline=True)


def _send(reference: str, item_id: int, inline: bool):
    return send_item(item_or_404(reference, item_id), inline, current_user)


@bp.route("/cases/<reference>/evidence/<int:item_id>/withdraw", methods=["POST"])
@login_required
def withdraw(reference: str, item_id: int):
    item = item_or_404(reference, item_id, need="edit")
    return run_step(
        lambda: withdraw_evidence(item, request.form.get("reason", ""), current_user),
        refused=lambda err: item_page(item),
        to=url_for("evidence.item", reference=reference, item_id=item_id),
        done=_("The item is marked withdrawn; it stays on record."),
    )
