"""Demo documents: per agency an investigation notice issued, a notice before a decision
issued and served in person (its defence window runs from that service), a decision
issued and served by post (its review window likewise), and a draft waiting to be issued.
Made through the services, the PDFs rendered as the worker renders them."""

from __future__ import annotations

import io

from sqlalchemy import select

from app.cases.models import Case, CaseState
from app.core.calendar import today
from app.documents.models import DocumentKind, ServiceMethod
from app.documents.services import create_draft, issue_document, record_service
from app.extensions import db

# A one-page PDF standing for a scanned receipt (送达回证).
RECEIPT = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
PLAN = (
    (CaseState.investigating, DocumentKind.investigation_notice, None),
    (CaseState.pre_decision_notice, DocumentKind.pre_decision_notice, ServiceMethod.in_person),
    (CaseState.decided, DocumentKind.decision, ServiceMethod.post),
)


class _Receipt:
    filename = "送达回证.pdf"

    def __init__(self) -> None:
        self.stream = io.BytesIO(RECEIPT)


def demo_documents(agencies: dict, users: dict) -> int:
    from app.documents.tasks import render_issued_document

    made = 0
    for code, agency in agencies.items():
        officer = users[f"{code.lower()}-officer"]
        supervisor = users[f"{code.lower()}-supervisor"]
        for state, kind, method in PLAN:
            case = _first_case(agency, state)
            if case is None or not case.respondents:
                continue
            author = case.lead.user if case.lead else officer
            document = create_draft(case, author, kind, case.respondents[0].id)
            issue_document(document, supervisor)
            db.session.commit()
            render_issued_document(document.id)
            if method is not None:
                record_service(
                    document,
                    author,
                    method=method,
                    served_on=today(),
                    tracking_number="EMS1100223344" if method == ServiceMethod.post else None,
                    proof=_Receipt(),
                )
            made += 1
        waiting = _first_case(agency, CaseState.findings)
        if waiting is not None:
            author = waiting.lead.user if waiting.lead else officer
            create_draft(waiting, author, DocumentKind.acceptance_notice)
    db.session.commit()
    return made


def _first_case(agency, state) -> Case | None:
    return db.session.scalar(
        select(Case).where(Case.agency_id == agency.id, Case.state == state).order_by(Case.id)
    )
