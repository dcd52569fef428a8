"""The dossier's section of the case's issued documents: number, kind, hash and service.
Not a shared part (app.cases.permissions.SHARED_PARTS): a shared dossier has none."""

from __future__ import annotations

from app.core.labels import label
from app.documents.queries import case_documents


def load_documents(ctx) -> list[dict]:
    documents = case_documents(ctx.case, issued_only=True)
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
