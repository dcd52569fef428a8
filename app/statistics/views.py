"""Statistics pages, their exports, and the annual reports."""

from __future__ import annotations

from flask import Response, abort, flash, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.core.calendar import today
from app.core.errors import InvalidInput, NotAllowed, ServiceError
from app.core.pages import run_step
from app.extensions import db
from app.jobs.models import DONE_STATUSES, Job
from app.statistics import bp
from app.statistics.charts import chart_svg
from app.statistics.exports import table_csv, tables_xlsx
from app.statistics.models import AnnualReport
from app.statistics.periods import Period, parse_period
from app.statistics.permissions import (
    institutions_matching,
    may_view_agency,
    may_view_institution,
    may_view_region,
)
from app.statistics.reports import report_path, reports_of, request_report
from app.statistics.services import Scope, compute_tables, scope_for

AGENCY_ROLES = ("supervisor", "agency_admin", "auditor")
INSTITUTIONS_PER_PAGE = 20


@bp.context_processor
def _tabs() -> dict:
    return {"may_region": may_view_region(current_user)}


def _scope(kind: str) -> tuple[Scope | None, Period | None, ServiceError | None]:
    """The requested scope; a bad period (or a range where the scope takes whole months,
    quarters or years) is answered on the page, a refusal with 403 (an institution the
    user's agency holds nothing about with 404: its name is not confirmed)."""
    institution = (request.args.get("name") or "").strip() or None
    try:
        period = parse_period(request.args)
        return scope_for(current_user, kind, period, institution), period, None
    except InvalidInput as err:
        return None, None, err
    except NotAllowed:
        hidden = kind == "institution" and institution and current_user.has_role(*AGENCY_ROLES)
        abort(404 if hidden else 403)


def _page(kind: str):
    scope, period, error = _scope(kind)
    if error is not None:
        flash(str(error.message), "danger")
        return render_template(
            "statistics/page.html",
            kind=kind,
            tables=[],
            charts={},
            scope=None,
            args=request.args,
            years=_years(),
        ), 422
    tables = compute_tables(scope)
    charts = {t.key: chart_svg(t) for t in tables}
    return render_template(
        "statistics/page.html",
        kind=kind,
        scope=scope,
        tables=tables,
        charts=charts,
        args=period.as_args() | ({"name": scope.institution} if scope.institution else {}),
        years=_years(),
    )


def _years() -> list[int]:
    return list(range(today().year, today().year - 6, -1))


@bp.get("")
@login_required
def agency():
    return _page("agency")


@bp.get("/region")
@login_required
def region():
    return _page("region")


@bp.get("/institution")
@login_required
def institution():
    """A name the user's agency may see shows its profile; any other text lists the
    institutions whose name contains it (a page of them), or says none does — with the
    same 404 for a name held elsewhere as for one unknown, so neither is confirmed."""
    if not current_user.has_role(*AGENCY_ROLES):
        abort(403)
    name = (request.args.get("name") or "").strip()
    if not name:
        return render_template("statistics/institution_search.html", name="", matches=None)
    if may_view_institution(current_user, name):
        return _page("institution")
    matches = db.paginate(
        institutions_matching(current_user, name[:200]),
        per_page=INSTITUTIONS_PER_PAGE,
        max_per_page=INSTITUTIONS_PER_PAGE,
        error_out=False,
    )
    status = 200 if matches.items else 404
    return render_template("statistics/institution_search.html", name=name, matches=matches), status


@bp.get("/<kind>/<key>.csv")
@login_required
def table_csv_export(kind: str, key: str):
    scope, _period, error = _scope(kind)
    if error is not None:
        return Response(str(error.message), status=422, mimetype="text/plain")
    table = next((t for t in compute_tables(scope) if t.key == key), None)
    if table is None:
        abort(404)
    return Response(
        table_csv(table),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{_filename(scope, key)}.csv"'},
    )


@bp.get("/<kind>.xlsx")
@login_required
def workbook_export(kind: str):
    scope, _period, error = _scope(kind)
    if error is not None:
        return Response(str(error.message), status=422, mimetype="text/plain")
    data = tables_xlsx(compute_tables(scope), _("Statistics"))
    return Response(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            "Content-Disposition": f'attachment; filename="{_filename(scope, "figures")}.xlsx"'
        },
    )


def _filename(scope: Scope, key: str) -> str:
    who = scope.agency.code if scope.agency else scope.kind
    return f"statistics-{who}-{scope.period.slug}-{key}"


@bp.get("/reports")
@login_required
def reports():
    if not may_view_agency(current_user):
        abort(403)
    return _reports_page()


def _reports_page(posted=None):
    return render_template(
        "statistics/reports.html",
        kind="reports",
        reports=reports_of(current_user),
        jobs=_report_jobs(),
        years=_years(),
        posted=posted or {},
    )


@bp.post("/reports")
@login_required
def request_annual_report():
    if not may_view_agency(current_user):
        abort(403)
    try:
        year = int(request.form.get("year", ""))
    except ValueError:
        year = 0

    def action():
        if not 2000 <= year <= 2100:
            raise InvalidInput(_("Choose a year from 2000 to 2100."), field="year")
        return request_report(
            current_user, request.form.get("scope", ""), year, request.form.get("locale", "")
        )

    return run_step(
        action,
        refused=lambda err: _reports_page(posted=request.form.to_dict()),
        to=url_for("statistics.reports"),
        done=_("The annual report is being generated; this page shows when it is ready."),
        category="info",
    )


@bp.get("/reports/<document_id>.pdf")
@login_required
def download_report(document_id: str):
    """A report names its requester: only they download it."""
    report = db.session.scalar(select(AnnualReport).where(AnnualReport.document_id == document_id))
    if report is None or report.requested_by_id != current_user.id:
        abort(404)
    path = report_path(report)
    if not path.exists():
        abort(404)
    return send_file(
        path, mimetype="application/pdf", as_attachment=True, download_name=report.filename
    )


def _report_jobs() -> list[Job]:
    return list(
        db.session.scalars(
            select(Job)
            .where(
                Job.user_id == current_user.id,
                Job.func == "app.statistics.tasks.generate_report",
                Job.status.not_in(DONE_STATUSES),
            )
            .order_by(Job.created_at.desc())
            .limit(5)
        )
    )
