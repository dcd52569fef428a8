"""The dossier's section of the case's issued documents: number, kind, hash and service.
Not a shared part (app.cases.permissions.SHARED_PARTS): a shared dossier has none."""

from __future__ import annotations

from sqlalchemy import select

from app.core.labels import label
from app.documents.models import DocumentState, OfficialDocument
from app.extensions import db


def load_documents(ctx) -> list[dict]:
    documents = db.session.scalars(
        select(OfficialDocument)
        .where(
            OfficialDocument.case_id == ctx.case.id,
            OfficialDocument.state == DocumentState.issued,
        )
        .order_by(OfficialDocument.issued_at, OfficialDocument.id)
    ).all()
    return [
        {
            "number": d.number,
            "kind": str(label(d.kind)),
            "title": d.title,
            "recipient": d.recipient,
            "issued_on": d.issued_on.isoformat(),
            "sha256": d.sha256 or "",
            "method": str(label(d.service.method)) if d.service else "",
            "served_on": d.service.served_on.isoformat() if d.service else "",
        }
        for d in documents
    ]
