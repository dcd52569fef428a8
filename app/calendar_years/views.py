"""The calendar years' pages: the list, a year's month grid, the notice form and the
confirmation. System administrators change; agency administrators look."""

from __future__ import annotations

from functools import wraps

from flask import abort, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.calendar_years import bp
from app.calendar_years.forms import ConfirmForm, YearForm
from app.calendar_years.services import (
    FIRST_YEAR,
    LAST_YEAR,
    YearInput,
    can_manage,
    can_view,
    confirm_year,
    holiday_lines,
    month_grid,
    parse_holiday_lines,
    parse_workday_lines,
    preview_calendar,
    save_year,
    workday_lines,
    year_rows,
    years_to_warn,
)
from app.core import calendar as cal
from app.core.models import CalendarYear
from app.core.pages import form_status, run_step
from app.extensions import db


def _required(allowed):
    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not allowed(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


def _year_or_404(year: int) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        abort(404)
    return year


def banner(user) -> dict | None:
    """The dashboard's warning for administrators (no query: the years are cached)."""
    if not can_view(user):
        return None
    years = years_to_warn()
    return {"years": years, "can_manage": can_manage(user)} if years else None


@bp.route("/years")
@_required(can_view)
def index():
    return render_template(
        "calendar_years/index.html", rows=year_rows(), can_manage=can_manage(current_user)
    )


def _year_page(year: int, confirm_form=None):
    row = db.session.get(CalendarYear, year)
    calendar = preview_calendar(row) if row is not None else cal.year_calendar(year)
    return render_template(
        "calendar_years/year.html",
        year=year,
        row=row,
        calendar=calendar,
        months=month_grid(calendar),
        confirm_form=confirm_form or ConfirmForm(),
        can_manage=can_manage(current_user),
    )


@bp.route("/years/<int:year>")
@_required(can_view)
def year(year: int):
    return _year_page(_year_or_404(year))


@bp.route("/years/<int:year>/confirm", methods=["POST"])
@_required(can_manage)
def confirm(year: int):
    _year_or_404(year)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _year_page(year, form), 400
    return run_step(
        lambda: confirm_year(current_user, year),
        refused=lambda err: _year_page(year, form),
        to=url_for("calendar_years.year", year=year),
        done=_("%(year)s is confirmed.", year=year),
        form=form,
    )


@bp.route("/years/new", methods=["GET", "POST"], defaults={"year": None})
@bp.route("/years/<int:year>/edit", methods=["GET", "POST"])
@_required(can_manage)
def edit(year: int | None):
    row = db.session.get(CalendarYear, _year_or_404(year)) if year is not None else None
    form = YearForm()
    if not form.is_submitted():
        if row is not None:
            form.year.data = row.year
            form.source.data = row.source
            form.holidays.data = holiday_lines(row.holidays)
            form.workdays.data = workday_lines(row.workdays)
        elif year is not None:
            form.year.data = year

    def page():
        return render_template("calendar_years/edit.html", form=form, row=row, year=year)

    if not form.validate_on_submit():
        return page(), form_status(form)
    return run_step(
        lambda: save_year(
            current_user,
            YearInput(
                form.year.data,
                form.source.data,
                parse_holiday_lines(form.holidays.data),
                parse_workday_lines(form.workdays.data or ""),
            ),
            form.reason.data or "",
        ),
        refused=lambda err: page(),
        to=lambda saved: url_for("calendar_years.year", year=saved.year),
        done=_("Saved. Check the month grid against the notice, then confirm the year."),
        form=form,
    )
