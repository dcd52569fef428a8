"""The background job that renders an issued document's PDF, and the rendering itself
(app.dossiers: the same fonts, URL fetcher and WeasyPrint settings as a dossier)."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale

from app.documents.models import OfficialDocument
from app.extensions import db
from app.jobs import PermanentJobError, set_progress


def document_data(document: OfficialDocument) -> dict:
    """Plain data for the layout: the text is escaped by the template like any other."""
    return {
        "id": document.id,
        "title": document.title,
        "agency": document.case.agency.name_zh,
        "case_reference": document.case.reference,
        "number": document.number,
        "issued_on": document.issued_on.isoformat() if document.issued_on else "",
        "paragraphs": [line for line in document.body.splitlines() if line.strip()],
        "draft": not document.is_issued,
    }


def render_pdf(data: dict):
    from app.dossiers.fonts import font_css
    from app.dossiers.render import html_to_pdf

    with force_locale("zh"):
        html = render_template("dossiers/document.html", doc=data, font_css=font_css())
    return html_to_pdf(html)


def render_issued_document(document_id: int) -> dict:
    from app.documents.services import store_issued_pdf

    document = db.session.get(OfficialDocument, document_id)
    if document is None or not document.is_issued:
        raise PermanentJobError("the document does not exist or is not issued")
    set_progress(10, "rendering")
    data = document_data(document)
    db.session.commit()  # no transaction held open during the layout
    rendered = render_pdf(data)
    set_progress(90, "storing")
    document = db.session.get(OfficialDocument, document_id)
    store_issued_pdf(document, rendered.pdf, rendered.pages)
    db.session.commit()
    return {"document_id": document_id, "sha256": document.sha256, "pages": rendered.pages}
