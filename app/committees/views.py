"""Pages of the regional expert pool, the agency's panels, seats and an expert's invitations."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.auth.agencies import case_agencies
from app.auth.models import User
from app.committees import bp
from app.committees import permissions as perm
from app.committees.forms import AccountForm, ExpertForm, PanelForm, RulesForm, SeatForm
from app.committees.rules import Category
from app.committees.services import (
    RULE_FIELDS,
    ExpertInput,
    agency_panels,
    answer_seat,
    composition_checks,
    create_expert_account,
    create_panel,
    end_seat,
    link_expert_account,
    my_seats,
    panel_may_vote,
    pool_query,
    register_expert,
    seat_expert,
    update_expert,
    update_panel_rules,
)
from app.core.errors import InvalidInput
from app.core.pages import form_status, run_step
from app.extensions import db


def _require(allowed: bool) -> None:
    if not allowed:
        abort(403)


def _expert_input(form: ExpertForm) -> ExpertInput:
    return ExpertInput(
        name=form.name.data,
        institution=form.institution.data,
        gender=form.gender.data,
        categories=form.categories.data or [],
        fields=form.fields.data,
        email=form.email.data,
        phone=form.phone.data,
    )


@bp.route("/experts")
@login_required
def pool():
    _require(perm.can_see_pool(current_user))
    q = (request.args.get("q") or "").strip()[:100]
    try:
        category = Category(request.args.get("category")) if request.args.get("category") else None
    except ValueError:
        category = None
    agency_id = request.args.get("agency", type=int)
    page = db.paginate(pool_query(q, category, agency_id), per_page=25, error_out=False, count=True)
    return render_template(
        "committees/pool.html",
        page=page,
        q=q,
        category=category,
        agency_id=agency_id,
        agencies=db.session.scalars(case_agencies().order_by("id")).all(),
        categories=list(Category),
        contact={e.id for e in page.items if perm.sees_contact(current_user, e)},
        may_manage=perm.can_manage_committees(current_user),
        panel_id=request.args.get("panel", type=int),
    )


@bp.route("/experts/new", methods=["GET", "POST"])
@login_required
def expert_new():
    _require(perm.can_manage_committees(current_user))
    form = ExpertForm()

    def page(err=None):
        return render_template("committees/expert_form.html", form=form, expert=None)

    if form.validate_on_submit():
        return run_step(
            lambda: register_expert(current_user, _expert_input(form)),
            refused=page,
            form=form,
            to=lambda expert: url_for("committees.expert_edit", expert_id=expert.id),
            done=lambda expert: _("Expert %(name)s added to the pool.", name=expert.name),
        )
    return page(), form_status(form)


@bp.route("/experts/<int:expert_id>", methods=["GET", "POST"])
@login_required
def expert_edit(expert_id: int):
    expert = perm.get_expert_or_404(expert_id, current_user)
    form = ExpertForm(obj=expert)
    if request.method == "GET":
        form.gender.data = expert.gender.value
    if form.validate_on_submit():
        return run_step(
            lambda: update_expert(current_user, expert, _expert_input(form), form.active.data),
            refused=lambda err: _expert_page(perm.get_expert_or_404(expert_id, current_user), form),
            form=form,
            to=url_for("committees.expert_edit", expert_id=expert_id),
            done=lambda _r: _("Changes to %(name)s saved.", name=expert.name),
        )
    return _expert_page(expert, form, status=form_status(form))


def _expert_page(expert, form, account_form=None, password=None, status=200):
    return render_template(
        "committees/expert_form.html",
        form=form,
        expert=expert,
        account_form=account_form or AccountForm(formdata=None),
        password=password,
    ), status


@bp.route("/experts/<int:expert_id>/account", methods=["POST"])
@login_required
def expert_account(expert_id: int):
    """Creates the expert's committee account (the one-time password is shown on this
    response only, never stored or shown again) or links an existing one."""
    expert = perm.get_expert_or_404(expert_id, current_user)
    form = AccountForm()
    form.validate()
    username = (form.username.data or "").strip().lower()

    def action():
        if form.link.data:
            user = db.session.scalar(select(User).where(User.username == username))
            if user is None:
                raise InvalidInput(_("No account has that username."), field="username")
            link_expert_account(current_user, expert, user)
            return None
        return create_expert_account(current_user, expert, username or None)[1]

    def page(account_form=None, password=None):
        expert = perm.get_expert_or_404(expert_id, current_user)
        details = ExpertForm(obj=expert, formdata=None)
        return _expert_page(expert, details, account_form, password=password)

    return run_step(
        action,
        refused=lambda err: page(account_form=form),
        form=form,
        done=_("The expert's account is ready."),
        respond=lambda password: page(password=password),
    )


@bp.route("/experts/<int:expert_id>/seat", methods=["GET", "POST"])
@login_required
def seat_form(expert_id: int):
    expert = perm.get_poolable_expert_or_404(expert_id, current_user)
    panels = [p for p in agency_panels(current_user) if p.active]
    form = SeatForm()
    form.panel_id.choices = [(p.id, p.name) for p in panels]
    if request.method == "GET" and request.args.get("panel", type=int):
        form.panel_id.data = request.args.get("panel", type=int)

    def page(err=None):
        shown = perm.get_poolable_expert_or_404(expert_id, current_user)
        return render_template(
            "committees/seat_form.html",
            form=form,
            expert=shown,
            contact=perm.sees_contact(current_user, shown),
            panels=panels,
        )

    if form.validate_on_submit():
        panel = next((p for p in panels if p.id == form.panel_id.data), None)
        if panel is None:
            form.panel_id.errors = [_("Choose one of your agency's panels.")]
        else:
            return run_step(
                lambda: seat_expert(
                    current_user,
                    panel,
                    expert,
                    form.role.data,
                    form.category.data,
                    form.term_start.data,
                    form.term_end.data,
                ),
                refused=page,
                form=form,
                done=lambda result: _seated_message(result[0], expert.name),
                respond=lambda result: _seated_page(panel, *result),
            )
    return page(), form_status(form)


def _seated_message(seat, name: str) -> str:
    if seat.status.value == "invited":
        return _("%(name)s is invited; the seat counts once they accept.", name=name)
    return _("%(name)s is seated.", name=name)


def _seated_page(panel, seat, password):
    """A new expert account's one-time password is shown on this response only."""
    if password:
        return _panel_page(panel, password=password, account=seat.expert.user)
    return redirect(url_for("committees.panel_detail", panel_id=panel.id))


@bp.route("/panels")
@login_required
def panels():
    _require(perm.can_see_panels(current_user))
    found = agency_panels(current_user)
    return render_template(
        "committees/panels.html",
        panels=found,
        votes={p.id: panel_may_vote(p)[0] for p in found},
        may_manage=perm.can_manage_committees(current_user),
    )


@bp.route("/panels/new", methods=["GET", "POST"])
@login_required
def panel_new():
    _require(perm.can_manage_committees(current_user))
    form = PanelForm()

    def page(err=None):
        return render_template("committees/panel_new.html", form=form)

    if form.validate_on_submit():
        return run_step(
            lambda: create_panel(current_user, form.kind.data, form.name.data),
            refused=page,
            form=form,
            to=lambda panel: url_for("committees.panel_detail", panel_id=panel.id),
            done=lambda panel: _("Panel %(name)s created.", name=panel.name),
        )
    return page(), form_status(form)


def _panel_page(panel, *, rules_form=None, password=None, account=None, status=200):
    may_vote, failing = panel_may_vote(panel)
    return render_template(
        "committees/panel.html",
        panel=panel,
        checks=composition_checks(panel),
        may_vote=may_vote,
        failing=failing,
        rules_form=rules_form or RulesForm(obj=panel, formdata=None),
        may_manage=perm.can_manage_panel(current_user, panel),
        password=password,
        account=account,
    ), status


@bp.route("/panels/<int:panel_id>")
@login_required
def panel_detail(panel_id: int):
    return _panel_page(perm.get_panel_or_404(panel_id, current_user))


@bp.route("/panels/<int:panel_id>/rules", methods=["POST"])
@login_required
def panel_rules(panel_id: int):
    panel = perm.get_panel_or_404(panel_id, current_user, need="manage")
    form = RulesForm()
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in RULE_FIELDS}
        return run_step(
            lambda: update_panel_rules(current_user, panel, values),
            refused=lambda err: _panel_page(
                perm.get_panel_or_404(panel_id, current_user, need="manage"), rules_form=form
            ),
            form=form,
            to=url_for("committees.panel_detail", panel_id=panel_id),
            done=_("The panel's rules are saved."),
        )
    return _panel_page(panel, rules_form=form, status=422)


@bp.route("/seats/<int:seat_id>/end", methods=["POST"])
@login_required
def seat_end(seat_id: int):
    seat = perm.get_managed_seat_or_404(seat_id, current_user)
    panel_id = seat.panel_id
    return run_step(
        lambda: end_seat(current_user, seat),
        refused=lambda err: _panel_page(perm.get_panel_or_404(panel_id, current_user)),
        to=url_for("committees.panel_detail", panel_id=panel_id),
        done=_("The seat has ended."),
    )


@bp.route("/invitations")
@login_required
def invitations():
    return _invitations_page()


def _invitations_page():
    return render_template("committees/invitations.html", seats=my_seats(current_user))


@bp.route("/invitations/<int:seat_id>", methods=["POST"])
@login_required
def answer(seat_id: int):
    seat = perm.get_own_seat_or_404(seat_id, current_user)
    accept = request.form.get("answer") == "accept"
    return run_step(
        lambda: answer_seat(current_user, seat, accept),
        refused=lambda err: _invitations_page(),
        to=url_for("committees.invitations"),
        done=_("You accepted the seat.") if accept else _("You declined the seat."),
    )
