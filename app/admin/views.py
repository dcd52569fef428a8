"""Administration pages; each one works only on the administrator's own agency."""

from __future__ import annotations

import datetime as dt
from functools import wraps

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from app.admin import bp, is_admin
from app.admin.forms import (
    CalendarDayForm,
    PolicyForm,
    ResetPasswordForm,
    UserCreateForm,
    UserEditForm,
)
from app.admin.permissions import can_manage_user
from app.admin.services import (
    POLICY_RANGES,
    add_calendar_day,
    remove_calendar_day,
    update_policy,
)
from app.auth.models import User
from app.auth.services import create_user, reset_password, set_active, update_user
from app.core.errors import ServiceError
from app.core.models import CalendarDay
from app.extensions import db


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not is_admin(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _own_user_or_404(user_id: int) -> User:
    """Users of another agency do not exist for this administrator."""
    user = db.session.scalar(
        select(User).where(User.id == user_id, User.agency_id == current_user.agency_id)
    )
    if user is None:
        abort(404)
    return user


def _attach(form, err: ServiceError) -> None:
    field = getattr(form, err.field, None) if err.field else None
    if field is not None:
        field.errors = [*field.errors, str(err.message)]
    else:
        flash(str(err.message), "danger")


@bp.route("/users")
@admin_required
def users():
    q = (request.args.get("q") or "").strip()[:100]
    stmt = select(User).where(User.agency_id == current_user.agency_id)
    if q:
        term = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(
            or_(
                User.username.like(f"%{term}%", escape="\\"),
                User.display_name.like(f"%{q}%", escape="\\"),
            )
        )
    page = db.paginate(stmt.order_by(User.username), per_page=25, error_out=False)
    manageable = {u.id for u in page.items if can_manage_user(current_user, u)}
    return render_template("admin/users.html", page=page, q=q, manageable=manageable)


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def user_new():
    form = UserCreateForm()
    if form.validate_on_submit():
        try:
            user = create_user(
                form.username.data,
                form.display_name.data,
                current_user.agency,
                form.roles.data,
                form.password.data,
                actor=current_user,
                email=form.email.data,
            )
        except ServiceError as err:
            db.session.rollback()
            _attach(form, err)
        else:
            db.session.commit()
            flash(_("User %(name)s created.", name=user.username), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None, can_manage=True)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def user_edit(user_id: int):
    user = _own_user_or_404(user_id)
    form = UserEditForm(obj=user)
    if request.method == "GET":
        form.roles.data = sorted(r.value for r in user.roles)
    if form.validate_on_submit():
        try:
            update_user(
                user, current_user, form.display_name.data, form.email.data, form.roles.data
            )
        except ServiceError as err:
            db.session.rollback()
            user = _own_user_or_404(user_id)
            _attach(form, err)
        else:
            db.session.commit()
            flash(_("Changes to %(name)s saved.", name=user.username), "success")
            return redirect(url_for("admin.users"))
    return render_template(
        "admin/user_form.html",
        form=form,
        user=user,
        reset_form=ResetPasswordForm(formdata=None),
        can_manage=can_manage_user(current_user, user),
    )


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@admin_required
def user_active(user_id: int):
    user = _own_user_or_404(user_id)
    active = request.form.get("active") == "1"
    try:
        set_active(user, active, current_user)
    except ServiceError as err:
        db.session.rollback()
        flash(str(err.message), "danger")
    else:
        db.session.commit()
        message = _("%(name)s can sign in again.") if active else _("%(name)s is deactivated.")
        flash(message % {"name": user.username}, "success")
    if request.form.get("back") == "edit":
        return redirect(url_for("admin.user_edit", user_id=user_id))
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@admin_required
def user_password(user_id: int):
    user = _own_user_or_404(user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            reset_password(user, form.password.data, current_user)
        except ServiceError as err:
            db.session.rollback()
            flash(str(err.message), "danger")
        else:
            db.session.commit()
            flash(_("The password of %(name)s was reset.", name=user.username), "success")
    else:
        flash(_("Enter the new password."), "danger")
    return redirect(url_for("admin.user_edit", user_id=user_id))


@bp.route("/policy", methods=["GET", "POST"])
@admin_required
def policy():
    form = PolicyForm(obj=current_user.agency.policy)
    if form.validate_on_submit():
        try:
            update_policy(current_user, {name: getattr(form, name).data for name in POLICY_RANGES})
        except ServiceError as err:
            db.session.rollback()
            _attach(form, err)
        else:
            db.session.commit()
            flash(_("Deadline policy saved. New deadlines use it from now on."), "success")
            return redirect(url_for("admin.policy"))
    return render_template("admin/policy.html", form=form)


@bp.route("/calendar", methods=["GET", "POST"])
@admin_required
def calendar():
    form = CalendarDayForm()
    if form.validate_on_submit():
        try:
            add_calendar_day(
                current_user, form.day.data, form.kind.data == "workday", form.name.data
            )
        except ServiceError as err:
            db.session.rollback()
            _attach(form, err)
        else:
            db.session.commit()
            flash(_("Calendar day added."), "success")
            return redirect(url_for("admin.calendar"))
    days = db.session.scalars(select(CalendarDay).order_by(CalendarDay.day)).all()
    return render_template("admin/calendar.html", form=form, days=days)


@bp.route("/calendar/<day>/delete", methods=["POST"])
@admin_required
def calendar_delete(day: str):
    try:
        parsed = dt.date.fromisoformat(day)
    except ValueError:
        abort(404)
    try:
        remove_calendar_day(current_user, parsed)
    except ServiceError as err:
        db.session.rollback()
        flash(str(err.message), "danger")
    else:
        db.session.commit()
        flash(_("Calendar day removed."), "success")
    return redirect(url_for("admin.calendar"))
