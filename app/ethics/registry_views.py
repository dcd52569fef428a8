"""Pages of the committee registry and annual reports: the authority's page of its
province, the region's summary, one committee's registry page, the annual report form and
a filed report."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.core.calendar import today
from app.core.pages import attempt, run_step
from app.ethics import annual, bp
from app.ethics import registry as reg
from app.ethics.models import Application, Unit, UnitRole
from app.ethics.registry_models import AnnualReport, Registration, ReportKind
from app.extensions import db


def load_committee(panel_id: int) -> Unit:
    """The unit whose committee it is, for its office and its province's authority; 404
    for anyone else (another province sees the summary only)."""
    unit = reg.committee_unit(panel_id)
    if unit is None or not reg.may_see_committee(current_user, unit):
        abort(404)
    return unit


def authority_data(agency_id: int) -> dict:
    units = reg.committee_units(agency_id)
    on = today()
    states = reg.states(units, on)
    owed = annual.owed(units, on)
    return {
        "to_accept": reg.to_accept(agency_id),
        "states": states,
        "due": [s for s in states if s.due_on is not None],
        "lapsed": [s for s in states if s.lapsed],
        "listed": reg.listed_to_register([u.panel_id for u in units]),
        "reports_overdue": [o for o in owed if o.overdue],
        "reports_due": [o for o in owed if not o.overdue],
        "reports": list(
            db.session.scalars(
                select(AnnualReport)
                .where(AnnualReport.agency_id == agency_id)
                .order_by(AnnualReport.year.desc(), AnnualReport.id.desc())
                .limit(100)
            )
        ),
        "today": on,
    }


@bp.route("/registry")
@login_required
def registry():
    """The authority's registry of its province; a committee office goes to its own."""
    from app.ethics.permissions import unit_of

    office = unit_of(current_user, UnitRole.office)
    if office is not None and office.panel_id is not None:
        return redirect(url_for("ethics.registry_committee", panel_id=office.panel_id))
    if not reg.is_authority(current_user, current_user.agency_id):
        abort(403)
    return render_template("ethics/registry.html", **authority_data(current_user.agency_id))


@bp.route("/registry/region")
@login_required
def registry_region():
    if not reg.may_see_summary(current_user):
        abort(403)
    return render_template("ethics/registry_region.html", rows=reg.summary())


def committee_data(unit: Unit) -> dict:
    on = today()
    (state,) = reg.states([unit], on)
    office = reg.is_office(current_user, unit)
    registrations = reg.registrations_of(unit.panel_id)
    latest = registrations[0] if registrations else None
    return {
        "unit": unit,
        "state": state,
        "checks": reg.checks_of(unit.panel, on),
        "members": reg.members_of(unit, unit.panel),
        "registrations": registrations,
        "reports": annual.reports_of(unit.panel_id),
        "owed": annual.owed([unit], on),
        "listed": reg.listed_to_register([unit.panel_id]),
        "office": office,
        "may_answer": latest is not None
        and latest.state.value == "submitted"
        and reg.may_answer(current_user, latest),
        "last_year": on.year - 1,
        "today": on,
    }


@bp.route("/registry/committees/<int:panel_id>")
@login_required
def registry_committee(panel_id: int):
    unit = load_committee(panel_id)
    return render_template("ethics/registry_committee.html", **committee_data(unit))


def _committee_again(panel_id: int):
    return render_template(
        "ethics/registry_committee.html", **committee_data(load_committee(panel_id))
    )


@bp.route("/registry/committees/<int:panel_id>/register", methods=["POST"])
@login_required
def registry_file(panel_id: int):
    unit = load_committee(panel_id)
    data = reg.RegistrationInput(
        **{
            k: request.form.get(k)
            for k in ("charter", "contact_name", "contact_phone", "contact_email", "change_note")
        }
    )
    return run_step(
        lambda: reg.file_registration(current_user, unit, data),
        refused=lambda err: _committee_again(panel_id),
        to=url_for("ethics.registry_committee", panel_id=panel_id),
        done=_("Registration filed with the authority."),
    )


@bp.route("/registry/registrations/<int:registration_id>/answer", methods=["POST"])
@login_required
def registry_answer(registration_id: int):
    row = db.session.get(Registration, registration_id)
    if row is None or not reg.may_see_committee(current_user, row.unit):
        abort(404)
    accept = request.form.get("decision") == "accept"
    return run_step(
        lambda: reg.answer_registration(current_user, row, accept, request.form.get("reason")),
        refused=lambda err: _committee_again(row.panel_id),
        to=url_for("ethics.registry_committee", panel_id=row.panel_id),
        done=_("Registration accepted.") if accept else _("Registration returned."),
    )


def _form_page(unit: Unit, year: int, kind: ReportKind, error=None):
    figures = annual.figures(unit.panel_id, unit.agency_id, year, kind)
    return render_template(
        "ethics/annual_form.html",
        unit=unit,
        year=year,
        kind=kind,
        figures=figures,
        labels=annual.FIGURE_LABELS,
        error=error,
    )


@bp.route("/registry/committees/<int:panel_id>/reports/<int:year>/<kind>", methods=["GET", "POST"])
@login_required
def annual_form(panel_id: int, year: int, kind: str):
    """The office's report form, its figures counted from the committee's reviews."""
    unit = load_committee(panel_id)
    if not reg.is_office(current_user, unit):
        abort(403)
    if kind not in {k.value for k in ReportKind}:
        abort(404)
    report_kind = ReportKind(kind)
    if request.method == "GET":
        _checked, err = attempt(lambda: annual.check_reportable(unit, year, kind), show=False)
        if err is not None:
            return _form_page(unit, year, report_kind, error=err), err.status
        return _form_page(unit, year, report_kind)
    given = {k: request.form.get(f"figure_{k}") for k in annual.KEYS[report_kind]}
    reasons = {k: request.form.get(f"reason_{k}") for k in annual.KEYS[report_kind]}
    return run_step(
        lambda: annual.file_report(
            current_user, unit, year, kind, given, reasons, request.form.get("summary")
        ),
        refused=lambda err: _form_page(unit, year, report_kind, error=err),
        to=lambda row: url_for("ethics.annual_report", report_id=row.id),
        done=_("Annual report filed."),
        page_shows_error=True,
    )


@bp.route("/registry/reports/<int:report_id>")
@login_required
def annual_report(report_id: int):
    row = db.session.get(AnnualReport, report_id)
    if row is None or not reg.may_see_committee(current_user, row.unit):
        abort(404)
    return render_template("ethics/annual_report.html", report=row, labels=annual.FIGURE_LABELS)


@bp.route("/registry/listed/<reference>", methods=["POST"])
@login_required
def registry_listed(reference: str):
    application = db.session.scalar(select(Application).where(Application.reference == reference))
    unit = (
        reg.committee_unit(application.panel_id) if application and application.panel_id else None
    )
    if unit is None or not reg.may_see_committee(current_user, unit):
        abort(404)
    return run_step(
        lambda: reg.register_listed(current_user, application, request.form.get("note")),
        refused=lambda err: _committee_again(unit.panel_id),
        to=url_for("ethics.registry_committee", panel_id=unit.panel_id),
        done=_("Listed activity registered."),
    )


def badge(user):
    """Work waiting in the registry: the authority's filings to accept and reports
    overdue (a statement, asked with the page's other badges); the office's registration
    due and reports owed (a figure: whether a registration is due is the composition
    rules' answer)."""
    from app.ethics.permissions import nav_unit_roles, unit_of

    if user is None or not user.is_authenticated:
        return 0
    if UnitRole.office in nav_unit_roles(user):
        office = unit_of(user, UnitRole.office)
        if office is not None and office.panel_id is not None:
            (state,) = reg.states([office])
            return int(state.due_on is not None) + len(annual.owed([office]))
    if not reg.is_authority(user, user.agency_id):
        return 0
    return select(
        reg.to_accept_count(user.agency_id).scalar_subquery()
        + annual.overdue_count(user.agency_id).scalar_subquery()
    )


def may_open(user) -> bool:
    """For the navigation bar: the authority's staff, and a committee office whose unit has
    its committee (the office's unit is read only for a user the bar knows is one)."""
    from app.ethics.permissions import nav_unit_roles, unit_of

    if user is None or not user.is_authenticated:
        return False
    if reg.is_authority(user, user.agency_id):
        return True
    if UnitRole.office not in nav_unit_roles(user):
        return False
    office = unit_of(user, UnitRole.office)
    return office is not None and office.panel_id is not None
