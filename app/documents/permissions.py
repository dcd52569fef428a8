"""Who may read, draft, issue and serve a case's documents, and edit the templates.

Documents are a part of the case page named "documents"; a reader at the shared level (a
participating agency of a joint investigation) sees only the parts
app.cases.permissions.SHARED_PARTS names, so they see no document, on the page, through
the API or in a shared dossier, by that one definition."""

from __future__ import annotations

from flask import abort
from sqlalchemy import select

from app.auth.models import Role, User
from app.cases.models import Case
from app.cases.permissions import (
    can_handle,
    is_shared_part,
    is_supervisor_of,
    reads_shared_level,
    visible_clause,
)
from app.documents.models import OfficialDocument
from app.extensions import db

PART = "documents"


def may_read(user: User, case: Case) -> bool:
    return is_shared_part(PART) or not reads_shared_level(user, case)


def may_draft(user: User, case: Case) -> bool:
    return may_read(user, case) and can_handle(user, case)


def may_issue(user: User, case: Case) -> bool:
    return may_read(user, case) and is_supervisor_of(user, case)


def may_edit_templates(user: User) -> bool:
    return user.has_role(Role.agency_admin) and user.agency is not None


NEEDS = {"view": may_read, "draft": may_draft, "issue": may_issue, "serve": may_draft}


def readable_case_or_404(reference: str, user: User, need: str = "view") -> Case:
    """The case if the user sees its documents: invisible 404, visible but not allowed 403."""
    case = db.session.scalar(select(Case).where(Case.reference == reference, visible_clause(user)))
    if case is None or not may_read(user, case):
        abort(404)
    if not NEEDS[need](user, case):
        abort(403)
    return case


def get_document_or_404(document_id: int, user: User, need: str = "view") -> OfficialDocument:
    document = db.session.scalar(
        select(OfficialDocument)
        .join(Case, Case.id == OfficialDocument.case_id)
        .where(OfficialDocument.id == document_id, visible_clause(user))
    )
    if document is None or not may_read(user, document.case):
        abort(404)
    if not NEEDS[need](user, document.case):
        abort(403)
    return document
