"""The interviews-and-notes section of a case dossier."""

from __future__ import annotations

from app.core.labels import label
from app.evidence.models import Visibility
from app.extensions import db
from app.notes.models import CaseNote
from app.notes.services import case_notes


def load_notes(ctx) -> list[dict]:
    """What the requester may see in the app; a shared dossier leaves internal notes out."""
    query = case_notes(ctx.case, ctx.requester)
    if ctx.shared:
        query = query.where(CaseNote.visibility == Visibility.shared)
    return [
        {
            "date": n.happened_on.isoformat(),
            "kind": label(n.kind),
            "title": n.title,
            "interviewee": n.interviewee or "",
            "location": n.location or "",
            "author": n.author.display_name,
            "text": n.body,
        }
        for n in db.session.scalars(query)
    ]
