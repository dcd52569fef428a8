"""A screening's result workbook (written by the job, kept in the file store) and its PDF
summary (rendered when asked for, through the dossiers' WeasyPrint machinery).

Every text cell of the workbook is a string cell (`app.core.exports`): a name typed as
`=HYPERLINK(...)` in the applicant list comes back as text, never a live formula.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app.core.calendar import CST
from app.core.exports import xlsx_text_cells
from app.core.labels import label
from app.core.times import local_time
from app.extensions import db
from app.screening.models import RowState, Screening, ScreeningRow

PDF_HITS_SHOWN = 500


def locale_of(screening: Screening) -> str:
    return screening.requested_by.locale or "zh"


def recognition_label(value: str | None) -> str:
    if value == "own":
        return _("Decided by this agency")
    if value is None:
        return _("Not decided")
    from app.records.models import RecognitionDecision

    return str(label(RecognitionDecision(value)))


def _term(match: dict) -> str:
    return _("Lifetime") if match.get("lifetime") else (match.get("term_end") or "—")


def row_cells(row: ScreeningRow, names: dict) -> list:
    """One applicant's cells; `names` holds the labels, looked up once per workbook."""
    matches = row.matches or []

    def joined(key) -> str | None:
        return "\n".join(key(m) or "" for m in matches) or None

    return [
        row.line,
        row.name,
        row.id_type,
        row.id_masked,
        row.institution or None,
        names[row.state],
        names[row.problem] if row.problem else None,
        joined(lambda m: m["record_id"]),
        joined(lambda m: m["deciding_agency"]),
        joined(lambda m: m.get("outcome")),
        joined(lambda m: m.get("effective_date")),
        joined(lambda m: names["lifetime"] if m.get("lifetime") else m.get("term_end") or "—"),
        joined(lambda m: names[("recognition", m.get("recognition"))]),
    ]


def _names() -> dict:
    """Every label a workbook row can show, in the current language."""
    from app.records.models import RecognitionDecision
    from app.screening.labels import PROBLEM_LABELS

    names: dict = {state: str(label(state)) for state in RowState}
    names.update({code: str(text) for code, text in PROBLEM_LABELS.items()})
    names["lifetime"] = _("Lifetime")
    for value in [None, "own", *(d.value for d in RecognitionDecision)]:
        names[("recognition", value)] = recognition_label(value)
    return names


def label_problem(code: str):
    from app.screening.labels import PROBLEM_LABELS

    return PROBLEM_LABELS.get(code, code)


def headers() -> list[str]:
    return [
        _("Line"),
        _("Name"),
        _("ID type"),
        _("ID number (masked)"),
        _("Institution"),
        _("Result"),
        _("Problem"),
        _("Record"),
        _("Deciding agency"),
        _("Sanction"),
        _("Effective date"),
        _("Sanction term ends"),
        _("This agency's recognition"),
    ]


def workbook_bytes(screening: Screening) -> bytes:
    """Every row in list order, streamed from the database into a write-only workbook."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    with force_locale(locale_of(screening)):
        sheet = book.create_sheet(_("Screening"))
        sheet.append(xlsx_text_cells(sheet, [_("Purpose"), screening.purpose]))
        sheet.append(xlsx_text_cells(sheet, headers()))
        names = _names()
        rows = db.session.scalars(
            select(ScreeningRow)
            .where(ScreeningRow.screening_id == screening.id)
            .order_by(ScreeningRow.line, ScreeningRow.id)
            .execution_options(yield_per=2000)
        )
        for row in rows:
            sheet.append(xlsx_text_cells(sheet, row_cells(row, names)))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def store_workbook(screening: Screening) -> str:
    relative = Path("screenings") / f"{screening.id}.xlsx"
    target = Path(current_app.config["FILE_STORE"]) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(workbook_bytes(screening))
    tmp.replace(target)
    return str(relative)


def workbook_path(screening: Screening) -> Path | None:
    if not screening.excel_path:
        return None
    return Path(current_app.config["FILE_STORE"]) / screening.excel_path


def summary_html(screening: Screening, locale: str) -> str:
    from app.dossiers.fonts import font_css

    hits = db.session.scalars(
        select(ScreeningRow)
        .where(
            ScreeningRow.screening_id == screening.id,
            ScreeningRow.state.in_((RowState.record, RowState.objection)),
        )
        .order_by(ScreeningRow.line)
        .limit(PDF_HITS_SHOWN)
    ).all()
    with force_locale(locale):
        return render_template(
            "screening/summary_pdf.html",
            screening=screening,
            hits=hits,
            shown=PDF_HITS_SHOWN,
            recognition=recognition_label,
            term=_term,
            generated_at=dt.datetime.now(CST).strftime("%Y-%m-%d %H:%M"),
            finished_at=local_time(screening.finished_at),
            font_css=font_css(),
        )


def finalise_pdf(pdf: bytes) -> bytes:
    """The one place a screening PDF's bytes are final: signed (PAdES) with the node's key,
    so a reader verifies it offline and any node's verify page names the signing node."""
    from app.core.pdfsign import sign_pdf

    return sign_pdf(pdf, reason="Screening summary")


def summary_pdf(screening: Screening, locale: str) -> bytes:
    from app.dossiers.render import html_to_pdf

    return finalise_pdf(html_to_pdf(summary_html(screening, locale)).pdf)
