"""An evidence item as its pages load and show it. Evidence's views use them, and so does a
step another feature offers on the item page (committees' "mark for the review panel"),
which shows the page again after a refusal."""

from __future__ import annotations

from flask import abort, render_template, send_file
from flask_login import current_user

from app.cases.permissions import can_change, get_case_or_404
from app.evidence import storage
from app.evidence.models import CustodyAction, EvidenceItem
from app.evidence.services import case_evidence, record_access
from app.extensions import db


def item_or_404(reference: str, item_id: int, need: str = "view") -> EvidenceItem:
    case = get_case_or_404(reference, current_user, need=need)
    item = db.session.scalar(case_evidence(case, current_user).where(EvidenceItem.id == item_id))
    if item is None:
        abort(404)
    return item


def item_page(item: EvidenceItem) -> str:
    return render_template(
        "evidence/item.html", case=item.case, item=item, can_add=can_change(current_user, item.case)
    )


def send_item(item: EvidenceItem, inline: bool, user, params: dict | None = None):
    """An item's file, previewed or downloaded, after its custody and audit entries are
    committed. The caller has decided the user may open it (the case team's page, or a panel
    member's package, which names the review in `params`)."""
    if item.blob is None or (inline and not item.previewable):
        abort(404)
    path = storage.blob_path(item.blob.sha256)
    if not path.exists():
        abort(404)
    action = CustodyAction.viewed if inline else CustodyAction.downloaded
    record_access(item, action, user, params=params)
    db.session.commit()
    response = send_file(
        path,
        mimetype=item.blob.mime_type,
        as_attachment=not inline,
        download_name=storage.download_name(item.original_name, item.blob.mime_type),
        conditional=False,
        etag=item.blob.sha256,
    )
    # Served sandboxed, except a PDF: the browser's PDF viewer stops working in a sandbox
    # (and may under object-src 'none'), so a PDF is only kept out of frames. The shared
    # headers add nosniff and no-store.
    if item.blob.mime_type == "application/pdf":
        response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
    else:
        response.headers["Content-Security-Policy"] = (
            "sandbox; default-src 'none'; frame-ancestors 'none'"
        )
    return response
