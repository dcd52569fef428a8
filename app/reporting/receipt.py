"""The receipt PDF: report number, time and the digest of what was submitted (WeasyPrint,
through the dossiers' renderer: local fonts only, nothing fetched)."""

from __future__ import annotations

from flask import render_template

from app.core.times import local_time
from app.reporting.models import Report


def receipt_pdf(report: Report) -> bytes:
    from app.dossiers.fonts import font_css
    from app.dossiers.render import html_to_pdf

    html = render_template(
        "reporting/receipt_pdf.html",
        report=report,
        submitted=local_time(report.submitted_at, "seconds"),
        font_css=font_css(),
    )
    return html_to_pdf(html).pdf
