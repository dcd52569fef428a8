"""The evidence inventory of a case dossier, and its exports in the chain of custody."""

from __future__ import annotations

from sqlalchemy import select

from app.core import audit
from app.core.labels import file_type_label, label
from app.core.times import local_time
from app.evidence.models import (
    CustodyAction,
    CustodyEvent,
    EvidenceItem,
    EvidenceKind,
    Visibility,
)
from app.evidence.services import case_evidence, size_label
from app.extensions import db


def load_evidence(ctx) -> list[dict]:
    """What the requester may see in the app; a shared dossier goes to other agencies, so
    it carries only items marked shared and still in the record."""
    query = case_evidence(ctx.case, ctx.requester)
    if ctx.shared:
        query = query.where(
            EvidenceItem.visibility == Visibility.shared, EvidenceItem.withdrawn_at.is_(None)
        )
    return [_row(item) for item in db.session.scalars(query)]


def _row(item: EvidenceItem) -> dict:
    physical = item.kind == EvidenceKind.physical
    return {
        "id": item.id,
        "name": item.title,
        "type": str(label(item.kind))
        if physical
        else (file_type_label(item.blob.mime_type) if item.blob else ""),
        "size": size_label(item.blob.size) if item.blob else "",
        "sha256": item.blob_sha256 or "",
        "added_by": item.added_by.display_name,
        "added_at": local_time(item.added_at),
        "physical": physical,
        "location": item.location or "",
        "withdrawn": local_time(item.withdrawn_at, "date"),
        "visibility": str(label(item.visibility)),
    }


def record_exports(rows: list[dict], dossier, requester) -> None:
    """Each item copied into a stored dossier has left the system: one custody entry each,
    naming the dossier, and one audit entry each (written together: hundreds of items)."""
    ids = [row["id"] for row in rows]
    if not ids:
        return
    items = db.session.scalars(
        select(EvidenceItem).where(EvidenceItem.id.in_(ids)).order_by(EvidenceItem.id)
    ).all()
    params = {"dossier": dossier.document_id}
    db.session.add_all(
        CustodyEvent(
            item_id=item.id, action=CustodyAction.exported, actor_id=requester.id, params=params
        )
        for item in items
    )
    audit.record_each(
        f"evidence.{CustodyAction.exported.value}",
        items,
        actor=requester,
        case=items[0].case if items else None,
    )
