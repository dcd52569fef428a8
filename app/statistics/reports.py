"""The annual report (年度报告): the same tables and charts as the pages, for an agency or the
region and a year, laid out by WeasyPrint in the dossier's CJK font and stored once with its
SHA-256, like a dossier."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.models import User
from app.core import audit
from app.core.errors import InvalidInput
from app.extensions import db
from app.statistics.disclosure import OTHER, SECONDARY, Cell
from app.statistics.models import AnnualReport
from app.statistics.periods import year_period
from app.statistics.services import compute_tables, scope_for

SHANGHAI = ZoneInfo("Asia/Shanghai")
REPORT_SCOPES = ("agency", "region")
LOCALES = ("zh", "en")

# The summary's key indicators: (name, figure, row; None for the figure's grand total). Each
# is a cell of a table already protected by the disclosure rule, so the summary withholds
# what the figure withholds. An indicator whose figure is not registered is left out.
INDICATORS = (
    (_l("Cases registered"), "received", None),
    (_l("Cases concluded"), "concluded", None),
    (_l("Preliminary reviews completed within the deadline"), "stages", "preliminary.share"),
    (_l("Preliminary review: median days"), "stages", "preliminary.median"),
    (_l("Investigations completed within the deadline"), "stages", "investigation.share"),
    (_l("Investigation: median days"), "stages", "investigation.median"),
    (_l("Cases overdue now"), "stages", ("preliminary.overdue", "investigation.overdue")),
    (_l("Sanctions imposed"), "sanctions", None),
    (_l("Integrity records published"), "records", "published"),
    (_l("Integrity records received"), "records", "received"),
)


def key_indicators(tables) -> list[dict]:
    """[{"name", "value"}] in the current language, the values as the figures show them."""
    by_key = {t.key: t for t in tables}
    out = []
    for name, figure, row in INDICATORS:
        table = by_key.get(figure)
        if table is None:
            continue
        cell = _indicator_cell(table, row)
        if cell is None:
            continue
        value = cell.text
        if cell.shown is not None and isinstance(row, str) and row.endswith(".share"):
            value = f"{value}%"
        out.append({"name": str(name), "value": value, "key": f"{figure}.{row or 'total'}"})
    return out


def _absent(table, row: str) -> Cell:
    """A count row the data did not name: none counted, unless rows were merged into
    "others" (a withheld row loses its name), when it may be among them."""
    if table.figure.row_kinds.get(row, "count") != "count" or any(
        r.key == OTHER for r in table.rows
    ):
        return Cell(None, hidden=SECONDARY)
    return Cell(0)


def _indicator_cell(table, row):
    if row is None:
        return table.grand_total
    rows = {r.key: r for r in table.rows}
    if isinstance(row, str):
        found = rows.get(row)
        return found.total if found else _absent(table, row)
    parts = [rows[key].total if key in rows else _absent(table, key) for key in row]
    if any(p.hidden for p in parts):  # a sum of withheld counts is withheld
        return Cell(None, hidden=SECONDARY)
    return Cell(sum(p.value or 0 for p in parts))


def request_report(user: User, scope_kind: str, year: int, locale: str):
    """Checks the request now (a refusal changes nothing) and queues the generation."""
    from app.jobs import enqueue
    from app.statistics.tasks import generate_report

    if scope_kind not in REPORT_SCOPES or locale not in LOCALES:
        raise InvalidInput(_l("Choose the agency or the region and a language."), field="scope")
    scope_for(user, scope_kind, year_period(year))
    audit.record(
        "statistics.report_requested",
        actor=user,
        details={"scope": scope_kind, "year": year, "locale": locale},
    )
    return enqueue(
        generate_report,
        user.id,
        scope_kind,
        year,
        locale,
        queue="dossiers",
        description=f"annual report {year} {scope_kind}",
        user=user,
    )


def build_report(user: User, scope_kind: str, year: int, locale: str, on_loaded=None):
    """Returns (pdf bytes, pages, document id). Everything is read before `on_loaded`."""
    from app.dossiers.fonts import font_css
    from app.dossiers.render import html_to_pdf
    from app.statistics.charts import chart_svg

    document_id = uuid.uuid4().hex[:20].upper()
    generated_at = dt.datetime.now(SHANGHAI)
    with force_locale(locale):
        scope = scope_for(user, scope_kind, year_period(year))
        tables = compute_tables(scope)
        if on_loaded is not None:
            on_loaded()
        charts = {t.key: chart_svg(t) for t in tables}
        html = render_template(
            "statistics/report.html",
            scope=scope,
            tables=tables,
            indicators=key_indicators(tables),
            charts=charts,
            year=year,
            locale=locale,
            requester=f"{user.display_name} · {user.agency.display_name(locale)}",
            generated_at=generated_at.strftime("%Y-%m-%d %H:%M"),
            document_id=document_id,
            font_css=font_css(),
        )
    rendered = html_to_pdf(html)
    return rendered.pdf, rendered.pages, document_id


def store_report(user, scope_kind, year, locale, pdf, pages, document_id, job_id=None):
    digest = hashlib.sha256(pdf).hexdigest()
    relative = Path("reports") / str(year) / f"{document_id}.pdf"
    target = Path(current_app.config["FILE_STORE"]) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(pdf)
    tmp.replace(target)
    report = AnnualReport(
        document_id=document_id,
        scope=scope_kind,
        agency_id=user.agency_id if scope_kind == "agency" else None,
        year=year,
        locale=locale,
        requested_by_id=user.id,
        job_id=job_id,
        sha256=digest,
        size=len(pdf),
        pages=pages,
        path=str(relative),
    )
    db.session.add(report)
    db.session.flush()
    audit.record(
        "statistics.report_generated",
        actor=user,
        obj=report,
        details={"scope": scope_kind, "year": year, "sha256": digest},
    )
    return report


def report_path(report: AnnualReport) -> Path:
    return Path(current_app.config["FILE_STORE"]) / report.path


def reports_of(user: User, limit: int = 20) -> list[AnnualReport]:
    return list(
        db.session.scalars(
            select(AnnualReport)
            .where(AnnualReport.requested_by_id == user.id)
            .order_by(AnnualReport.created_at.desc(), AnnualReport.id.desc())
            .limit(limit)
        )
    )
