"""Pages of the regional expert pool, the agency's panels, seats and an expert's invitations."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.auth.models import User
from app.auth.services import case_agencies
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
from app.core.errors import InvalidInput, ServiceError
from app.extensions import db


def _run(action, form=None):
    """The one refusal path of these pages: a refused service call changes nothing and its
    message lands on the form field it concerns, or at the top of the page."""
    try:
        result = action()
    except ServiceError as err:
        db.session.rollback()
        field = getattr(form, err.field, None) if form is not None and err.field else None
        if field is not None:
            field.errors = [*field.errors, str(err.message)]
        else:
            flash(str(err.message), "danger")
        return False, err
    db.session.commit()
    return True, result


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
    if form.validate_on_submit():
        ok, expert = _run(lambda: register_expert(current_user, _expert_input(form)), form)
        if ok:
            flash(_("Expert %(name)s added to the pool.", name=expert.name), "success")
            return redirect(url_for("committees.expert_edit", expert_id=expert.id))
    return render_template("committees/expert_form.html", form=form, expert=None)


@bp.route("/experts/<int:expert_id>", methods=["GET", "POST"])
@login_required
def expert_edit(expert_id: int):
    expert = perm.get_expert_or_404(expert_id, current_user)
    form = ExpertForm(obj=expert)
    if request.method == "GET":
        form.gender.data = expert.gender.value
    if form.validate_on_submit():
        ok, _r = _run(
            lambda: update_expert(current_user, expert, _expert_input(form), form.active.data),
            form,
        )
        if ok:
            flash(_("Changes to %(name)s saved.", name=expert.name), "success")
            return redirect(url_for("committees.expert_edit", expert_id=expert_id))
        expert = perm.get_expert_or_404(expert_id, current_user)
    return _expert_page(expert, form)


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

    ok, password = _run(action, form)
    expert = perm.get_expert_or_404(expert_id, current_user)
    if not ok:
        return _expert_page(expert, ExpertForm(obj=expert, formdata=None), form, status=422)
    flash(_("The expert's account is ready."), "success")
    return _expert_page(expert, ExpertForm(obj=expert, formdata=None), password=password)


@bp.route("/experts/<int:expert_id>/seat", methods=["GET", "POST"])
@login_required
def seat_form(expert_id: int):
    expert = perm.get_poolable_expert_or_404(expert_id, current_user)
    panels = [p for p in agency_panels(current_user) if p.active]
    form = SeatForm()
    form.panel_id.choices = [(p.id, p.name) for p in panels]
    if request.method == "GET" and request.args.get("panel", type=int):
        form.panel_id.data = request.args.get("panel", type=int)
    if form.validate_on_submit():
        panel = next((p for p in panels if p.id == form.panel_id.data), None)
        if panel is None:
            form.panel_id.errors = [_("Choose one of your agency's panels.")]
        else:
            ok, result = _run(
                lambda: seat_expert(
                    current_user,
                    panel,
                    expert,
                    form.role.data,
                    form.category.data,
                    form.term_start.data,
                    form.term_end.data,
                ),
                form,
            )
            if ok:
                seat, password = result
                if seat.status.value == "invited":
                    flash(
                        _(
                            "%(name)s is invited; the seat counts once they accept.",
                            name=expert.name,
                        ),
                        "success",
                    )
                else:
                    flash(_("%(name)s is seated.", name=expert.name), "success")
                if password:
                    return _panel_page(panel, password=password, account=seat.expert.user)
                return redirect(url_for("committees.panel_detail", panel_id=panel.id))
            expert = perm.get_poolable_expert_or_404(expert_id, current_user)
    return render_template(
        "committees/seat_form.html",
        form=form,
        expert=expert,
        contact=perm.sees_contact(current_user, expert),
        panels=panels,
    )


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
    if form.validate_on_submit():
        ok, panel = _run(lambda: create_panel(current_user, form.kind.data, form.name.data), form)
        if ok:
            flash(_("Panel %(name)s created.", name=panel.name), "success")
            return redirect(url_for("committees.panel_detail", panel_id=panel.id))
    return render_template("committees/panel_new.html", form=form)


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
        ok, _r = _run(lambda: update_panel_rules(current_user, panel, values), form)
        if ok:
            flash(_("The panel's rules are saved."), "success")
            return redirect(url_for("committees.panel_detail", panel_id=panel_id))
        panel = perm.get_panel_or_404(panel_id, current_user, need="manage")
    return _panel_page(panel, rules_form=form, status=422)


@bp.route("/seats/<int:seat_id>/end", methods=["POST"])
@login_required
def seat_end(seat_id: int):
    seat = perm.get_managed_seat_or_404(seat_id, current_user)
    panel_id = seat.panel_id
    ok, _r = _run(lambda: end_seat(current_user, seat))
    if ok:
        flash(_("The seat has ended."), "success")
    return redirect(url_for("committees.panel_detail", panel_id=panel_id))


@bp.route("/invitations")
@login_required
def invitations():
    return render_template("committees/invitations.html", seats=my_seats(current_user))


@bp.route("/invitations/<int:seat_id>", methods=["POST"])
@login_required
def answer(seat_id: int):
    seat = perm.get_own_seat_or_404(seat_id, current_user)
    accept = request.form.get("answer") == "accept"
    ok, _r = _run(lambda: answer_seat(current_user, seat, accept))
    if ok:
        flash(_("You accepted the seat.") if accept else _("You declined the seat."), "success")
    return redirect(url_for("committees.invitations"))
