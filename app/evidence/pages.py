"""An evidence item as its pages load and show it. Evidence's views use them, and so does a
step another feature offers on the item page (committees' "mark for the review panel"),
which shows the page again after a refusal."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user

from app.cases.permissions import can_change, get_case_or_404
from app.evidence.models import EvidenceItem
from app.evidence.services import case_evidence
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
