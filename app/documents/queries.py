"""The documents of a case, for the page, the API and the dossier alike."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.documents.models import DocumentState, OfficialDocument
from app.extensions import db


def case_documents(case, *, issued_only: bool = False) -> list[OfficialDocument]:
    query = (
        select(OfficialDocument)
        .where(OfficialDocument.case_id == case.id)
        .options(selectinload(OfficialDocument.service))
        .order_by(OfficialDocument.created_at, OfficialDocument.id)
    )
    if issued_only:
        query = query.where(OfficialDocument.state == DocumentState.issued)
    return list(db.session.scalars(query))
