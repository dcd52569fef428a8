"""Case pages: dashboard, list, registration, detail and the workflow steps."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.auth.agencies import case_agencies
from app.auth.models import Agency, User
from app.cases import bp
from app.cases.forms import NewCaseForm
from app.cases.hints import related_matters, respondent_hints
from app.cases.models import (
    CaseSource,
    CaseState,
    MisconductType,
    PartyType,
    TeamRole,
)
from app.cases.page import refused_on_case_page, render_case
from app.cases.permissions import (
    AGENCY_READ_ROLES,
    get_case_or_404,
)
from app.cases.preliminary import record_preliminary_report
from app.cases.queries import (
    CaseFilters,
    Cursor,
    dashboard_counts,
    deadline_cases,
    my_cases,
    next_steps,
    paginate_cases,
)
from app.cases.services import (
    AllegationInput,
    CaseInput,
    ComplainantInput,
    RespondentInput,
    assign_member,
    extend_investigation,
    record_defence,
    register_case,
    registered_with,
    remove_member,
)
from app.cases.transfers import incoming_transfers
from app.cases.workflow import TRANSITIONS, perform
from app.core.errors import InvalidInput, Problems
from app.core.extension_points import load_dashboard_panels, nav_badges
from app.core.ids import db_int
from app.core.pages import form_status, run_step
from app.extensions import db


@bp.route("/")
@login_required
def dashboard():
    return render_template(
        "cases/dashboard.html",
        counts=dashboard_counts(current_user),
        deadlines=deadline_cases(current_user),
        mine=my_cases(current_user),
        queue=next_steps(current_user),
        queue_total=nav_badges(current_user._get_current_object())["cases.dashboard"],
        incoming_transfers=incoming_transfers(current_user),
        panels=load_dashboard_panels(current_user),
        banners=load_dashboard_panels(current_user, banners=True),
        states=list(CaseState),
    )


def _enum_arg(enum_cls, name):
    value = request.args.get(name) or None
    try:
        return enum_cls(value) if value else None
    except ValueError:
        return None


def _date_arg(name):
    try:
        return dt.date.fromisoformat(request.args[name]) if request.args.get(name) else None
    except ValueError:
        return None


def filters_from_args() -> CaseFilters:
    return CaseFilters(
        state=_enum_arg(CaseState, "state"),
        misconduct_type=_enum_arg(MisconductType, "type"),
        agency=(request.args.get("agency") or None),
        received_from=_date_arg("from"),
        received_to=_date_arg("to"),
        q=(request.args.get("q") or "")[:100] or None,
        sort=request.args.get("sort", "received"),
        direction="asc" if request.args.get("dir") == "asc" else "desc",
        mine=request.args.get("mine") == "1",
        overdue=request.args.get("overdue") == "1",
    )


def filter_problems(filters: CaseFilters) -> dict[str, str]:
    """What is wrong with the filters as typed, by field, said on the page rather than
    silently ignored: a date that is no date is left out of the search, and a range that
    ends before it starts matches nothing."""
    problems = {}
    for name, value in (("from", filters.received_from), ("to", filters.received_to)):
        if request.args.get(name) and value is None:
            problems[name] = _(
                "“%(value)s” is not a date (YYYY-MM-DD): it was left out.",
                value=request.args[name][:40],
            )
    if (
        filters.received_from
        and filters.received_to
        and filters.received_from > filters.received_to
    ):
        problems["to"] = _("The end date is before the start date: no case can match.")
    return problems


@bp.route("/cases")
@login_required
def case_list():
    if not current_user.has_role(*AGENCY_READ_ROLES):
        abort(403)  # committee members reach their cases from their reviews; others have none
    filters = filters_from_args()
    problems = filter_problems(filters)
    page = paginate_cases(
        current_user,
        filters,
        per_page=25,
        max_per_page=100,
        error_out=False,
        cursor=Cursor.parse(request.args.get("after"), request.args.get("before")),
    )
    if page.pages and page.page > page.pages and not page.items:
        # Said, with a link to the last page; not loaded again, so a page past the end costs
        # the queries of any other page. Past an estimated total the last page is as estimated.
        if page.estimated:
            problems["page"] = _(
                "There is no page %(page)s: the last is about %(last)s.",
                page=page.page,
                last=page.pages,
            )
        else:
            problems["page"] = _(
                "There is no page %(page)s: the last is %(last)s.", page=page.page, last=page.pages
            )
    agencies = db.session.scalars(case_agencies().order_by(Agency.id)).all()
    return render_template(
        "cases/list.html",
        page=page,
        filters=filters,
        problems=problems,
        agencies=agencies,
        states=list(CaseState),
        types=list(MisconductType),
    )


@bp.route("/cases/new", methods=["GET", "POST"])
@login_required
def new_case():
    if not can_register(current_user):
        abort(403)
    form = NewCaseForm()
    if request.method == "POST" and request.form.get("add") in ("respondent", "allegation"):
        (
            form.respondents if request.form["add"] == "respondent" else form.allegations
        ).append_entry()
        return _new_case_page(form)
    if request.method == "POST" and request.form.get("add") == "hint":
        return _new_case_page(form)
    if form.validate_on_submit():
        earlier = registered_with(form.once.data, current_user)
        if earlier is not None:
            flash(
                _(
                    "This form was sent before: case %(ref)s was registered once.",
                    ref=earlier.reference,
                ),
                "info",
            )
            return redirect(url_for("cases.detail", reference=earlier.reference))
        return run_step(
            lambda: register_case(_case_input(form), current_user, form.once.data),
            refused=lambda err: _new_case_page(form),
            to=lambda case: url_for("cases.detail", reference=case.reference),
            done=lambda case: _("Case %(ref)s registered.", ref=case.reference),
            form=form,
        )
    return _new_case_page(form), form_status(form)


def _respondents(form: NewCaseForm) -> list[RespondentInput]:
    return [
        RespondentInput(
            name=e.form.name.data,
            party_type=PartyType(e.form.party_type.data),
            id_type=e.form.id_type.data,
            id_number=e.form.id_number.data,
            institution=e.form.institution.data,
            position=e.form.position.data,
        )
        for e in form.respondents.entries
        if (e.form.name.data or "").strip()
    ]


def _case_input(form: NewCaseForm) -> CaseInput:
    return CaseInput(
        title=form.title.data,
        source=CaseSource(form.source.data),
        received_date=form.received_date.data,
        summary=form.summary.data or "",
        respondents=_respondents(form),
        allegations=[
            AllegationInput(
                misconduct_type=MisconductType(e.form.misconduct_type.data),
                description=e.form.description.data,
                work_reference=e.form.work_reference.data,
            )
            for e in form.allegations.entries
            if (e.form.description.data or "").strip()
        ],
        complainant=ComplainantInput(
            anonymous=form.complainant_anonymous.data,
            name=form.complainant_name.data,
            contact=form.complainant_contact.data,
        ),
    )


def _new_case_page(form: NewCaseForm) -> str:
    """The registration form; once respondents are typed in and the form comes back from
    the server, it shows the routing hint for them (a hint: the supervisor decides) and the
    related matters: their other cases and records in force."""
    hints, related = [], []
    if request.method == "POST":
        try:
            respondents = _respondents(form)
        except ValueError:  # an unknown party type: the form's own validation says so
            respondents = []
        hints = respondent_hints(respondents, current_user.agency.code)
        related = related_matters(current_user, respondents)
    return render_template("cases/new.html", form=form, hints=hints, related=related)


def can_register(user: User) -> bool:
    from app.auth.models import Role

    return user.has_role(Role.officer, Role.supervisor)


@bp.route("/cases/<reference>")
@login_required
def detail(reference: str):
    case = get_case_or_404(reference, current_user)
    return render_case(case)


def _list_of_dicts(prefix: str, keys: tuple[str, ...]) -> list[dict]:
    """Reads rows posted as prefix-N-key into dicts, skipping rows left empty."""
    rows: dict[int, dict] = {}
    for name, value in request.form.items():
        head, _sep, rest = name.partition("-")
        if head != prefix or "-" not in rest:
            continue
        index, _sep, key = rest.partition("-")
        if index.isascii() and index.isdigit() and key in keys:
            rows.setdefault(int(index), {})[key] = value
    return [rows[i] for i in sorted(rows) if any(v for k, v in rows[i].items() if k != "party_id")]


def transition_params(name: str) -> dict:
    form = request.form
    params: dict = {}
    for field in TRANSITIONS[name].fields:
        if field == "findings":
            params["findings"] = _list_of_dicts(
                "finding",
                ("allegation_id", "party_id", "outcome", "severity", "aggravating", "mitigating"),
            )
        elif field == "sanctions":
            params["sanctions"] = [
                dict(row, lifetime=row.get("lifetime") == "on")
                for row in _list_of_dicts(
                    "sanction",
                    (
                        "party_id",
                        "sanction_type",
                        "start_date",
                        "end_date",
                        "lifetime",
                        "description",
                    ),
                )
                if row.get("sanction_type")
            ]
        else:
            params[field] = form.get(field) or None
    return params


def _finish(case, action, *, form_name: str, done):
    """Runs a service call for a form post on the case page (see `app/core/pages.py`)."""
    return run_step(
        action,
        refused=refused_on_case_page(case.reference, form_name),
        to=url_for("cases.detail", reference=case.reference),
        done=done,
        page_shows_error=True,
    )


@bp.route("/cases/<reference>/transitions/<name>", methods=["POST"])
@login_required
def take_transition(reference: str, name: str):
    case = get_case_or_404(reference, current_user)
    if name not in TRANSITIONS:
        abort(404)
    return _finish(
        case,
        lambda: perform(
            case,
            current_user,
            name,
            expected_version=request.form.get("version", type=db_int),
            reason=request.form.get("reason"),
            **transition_params(name),
        ),
        form_name=name,
        done=_("Done: %(step)s.", step=TRANSITIONS[name].label),
    )


@bp.route("/cases/<reference>/preliminary-report", methods=["POST"])
@login_required
def preliminary_report(reference: str):
    case = get_case_or_404(reference, current_user)
    return _finish(
        case,
        lambda: record_preliminary_report(
            case,
            current_user,
            facts_checked=request.form.get("facts_checked"),
            recommendation=request.form.get("recommendation"),
            reasons=request.form.get("reasons"),
            based_on=request.form.get("based_on", type=db_int),
        ),
        form_name="preliminary_report",
        done=_("Preliminary review report saved."),
    )


@bp.route("/cases/<reference>/team", methods=["POST"])
@login_required
def team(reference: str):
    case = get_case_or_404(reference, current_user, need="supervise")
    version = request.form.get("version", type=db_int)
    if request.form.get("remove"):
        return _finish(
            case,
            lambda: remove_member(
                case, request.form.get("remove", type=db_int), current_user, version
            ),
            form_name="team",
            done=_("Removed from the case team."),
        )
    problems = Problems()  # the person's and the role's problems in one round
    member = db.session.get(User, request.form.get("user_id", type=db_int) or 0)
    if member is None:
        problems.add("user_id", _l("Choose a person to add to the team."), label=_l("Person"))
    role = next((r for r in TeamRole if r.value == request.form.get("team_role")), None)
    if role is None:
        problems.add("team_role", _l("Choose a team role from the list."), label=_l("Team role"))
    try:
        problems.check()
    except InvalidInput as error:
        return render_case(
            case, error=error, posted=request.form.to_dict(), open_form="team", status=422
        )
    return _finish(
        case,
        lambda: assign_member(case, member, role, current_user, version),
        form_name="team",
        done=_("%(name)s joined the case team.", name=member.display_name),
    )


@bp.route("/cases/<reference>/extension", methods=["POST"])
@login_required
def extension(reference: str):
    case = get_case_or_404(reference, current_user, need="supervise")
    return _finish(
        case,
        lambda: extend_investigation(
            case,
            request.form.get("months", type=db_int) or 0,
            request.form.get("reason", ""),
            current_user,
            request.form.get("version", type=db_int),
        ),
        form_name="extension",
        done=_("The investigation was extended."),
    )


@bp.route("/cases/<reference>/defence", methods=["POST"])
@login_required
def defence(reference: str):
    case = get_case_or_404(reference, current_user, need="edit")
    try:
        received = dt.date.fromisoformat(request.form.get("received_on", ""))
    except ValueError:
        error = InvalidInput(_l("Enter the date as YYYY-MM-DD."), field="received_on")
        return render_case(
            case, error=error, posted=request.form.to_dict(), open_form="defence", status=422
        )
    return _finish(
        case,
        lambda: record_defence(
            case,
            received,
            request.form.get("statement", ""),
            current_user,
            request.form.get("version", type=db_int),
            party_id=request.form.get("party_id", type=db_int),
        ),
        form_name="defence",
        done=_("The defence statement was recorded."),
    )
