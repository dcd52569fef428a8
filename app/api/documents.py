"""API v1: a case's official documents (文书) with their numbers, hashes and service."""

from __future__ import annotations

from pydantic import BaseModel

from app.api import bp
from app.api.handling import NOT_FOUND, current, respond
from app.api.spec import operation
from app.documents.permissions import readable_case_or_404
from app.documents.queries import case_documents


class ServiceOut(BaseModel):
    method: str
    served_on: str
    tracking_number: str | None


class DocumentOut(BaseModel):
    id: int
    kind: str
    state: str
    number: str | None
    title: str
    recipient: str
    issued_on: str | None
    sha256: str | None
    service: ServiceOut | None


class DocumentList(BaseModel):
    items: list[DocumentOut]


def _document(d) -> dict:
    s = d.service
    return {
        "id": d.id,
        "kind": d.kind.value,
        "state": d.state.value,
        "number": d.number,
        "title": d.title,
        "recipient": d.recipient,
        "issued_on": d.issued_on.isoformat() if d.issued_on else None,
        "sha256": d.sha256,
        "service": (
            {
                "method": s.method.value,
                "served_on": s.served_on.isoformat(),
                "tracking_number": s.tracking_number,
            }
            if s
            else None
        ),
    }


@operation(
    bp,
    "/cases/{reference}/documents",
    "GET",
    "A case's official documents: drafts and issued ones with their number, hash and service",
    response=DocumentList,
    errors=NOT_FOUND,
)
def list_case_documents(reference: str):
    """The owning agency's readers only: documents are no part of the shared level."""
    case = readable_case_or_404(reference, current())
    return respond(DocumentList, {"items": [_document(d) for d in case_documents(case)]})
