"""Administration pages; each one works only on the administrator's own agency."""

from __future__ import annotations

import datetime as dt
from functools import wraps

from flask import abort, render_template, request, url_for
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
from app.admin.services import (
    POLICY_RANGES,
    add_calendar_day,
    remove_calendar_day,
    update_policy,
)
from app.auth import totp
from app.auth.models import User
from app.auth.permissions import can_manage_user
from app.auth.services import create_user, reset_password, set_active, update_user
from app.auth.sessions import active_sessions, can_end_sessions_of, end_user_sessions
from app.core.models import CalendarDay
from app.core.pages import form_status, run_step
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


@bp.route("/users")
@admin_required
def users():
    return _users_page()


def _users_page():
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

    def page(err=None):
        return render_template("admin/user_form.html", form=form, user=None, can_manage=True)

    if form.validate_on_submit():
        return run_step(
            lambda: create_user(
                form.username.data,
                form.display_name.data,
                current_user.agency,
                form.roles.data,
                form.password.data,
                actor=current_user,
                email=form.email.data,
            ),
            refused=page,
            form=form,
            to=url_for("admin.users"),
            done=lambda user: _("User %(name)s created.", name=user.username),
        )
    return page(), form_status(form)


def _edit_page(user_id: int, form=None, reset_form=None):
    """A user's page; after a refused step on it, loaded again and showing why."""
    user = _own_user_or_404(user_id)
    if form is None:
        form = UserEditForm(formdata=None, obj=user)
        form.roles.data = sorted(r.value for r in user.roles)
    return render_template(
        "admin/user_form.html",
        form=form,
        user=user,
        reset_form=reset_form or ResetPasswordForm(formdata=None),
        can_manage=can_manage_user(current_user, user),
        second_factor=totp.status_of(user),
        sessions=active_sessions(user) if can_end_sessions_of(current_user, user) else None,
    )


def _on_edit_page(user_id: int, **forms):
    return lambda err: _edit_page(user_id, **forms)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def user_edit(user_id: int):
    user = _own_user_or_404(user_id)
    form = UserEditForm(obj=user)
    if request.method == "GET":
        form.roles.data = sorted(r.value for r in user.roles)
    if form.validate_on_submit():
        return run_step(
            lambda: update_user(
                user, current_user, form.display_name.data, form.email.data, form.roles.data
            ),
            refused=_on_edit_page(user_id, form=form),
            form=form,
            to=url_for("admin.users"),
            done=_("Changes to %(name)s saved.", name=user.username),
        )
    return _edit_page(user_id, form=form), form_status(form)


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@admin_required
def user_active(user_id: int):
    user = _own_user_or_404(user_id)
    active = request.form.get("active") == "1"
    message = _("%(name)s can sign in again.") if active else _("%(name)s is deactivated.")
    from_edit = request.form.get("back") == "edit"
    return run_step(
        lambda: set_active(user, active, current_user),
        refused=_on_edit_page(user_id) if from_edit else lambda err: _users_page(),
        to=url_for("admin.user_edit", user_id=user_id) if from_edit else url_for("admin.users"),
        done=message % {"name": user.username},
    )


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@admin_required
def user_password(user_id: int):
    user = _own_user_or_404(user_id)
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        return _edit_page(user_id, reset_form=form), 422
    return run_step(
        lambda: reset_password(user, form.password.data, current_user),
        refused=_on_edit_page(user_id, reset_form=form),
        form=form,
        to=url_for("admin.user_edit", user_id=user_id),
        done=_("The password of %(name)s was reset.", name=user.username),
    )


@bp.route("/users/<int:user_id>/second-factor/reset", methods=["POST"])
@admin_required
def user_second_factor_reset(user_id: int):
    user = _own_user_or_404(user_id)
    return run_step(
        lambda: totp.reset_second_factor(user, current_user),
        refused=_on_edit_page(user_id),
        to=url_for("admin.user_edit", user_id=user_id),
        done=_("The second factor of %(name)s was reset.", name=user.username),
    )


@bp.route("/policy", methods=["GET", "POST"])
@admin_required
def policy():
    form = PolicyForm(obj=current_user.agency.policy)

    def page(err=None):
        from app.core.extension_points import policy_numbers

        return render_template("admin/policy.html", form=form, numbers=policy_numbers())

    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in POLICY_RANGES}
        return run_step(
            lambda: update_policy(
                current_user, values | {"totp_required": form.totp_required.data}
            ),
            refused=page,
            form=form,
            to=url_for("admin.policy"),
            done=_("Deadline policy saved. New deadlines use it from now on."),
        )
    return page(), form_status(form)


def _calendar_page(form):
    days = db.session.scalars(select(CalendarDay).order_by(CalendarDay.day)).all()
    return render_template("admin/calendar.html", form=form, days=days)


@bp.route("/calendar", methods=["GET", "POST"])
@admin_required
def calendar():
    form = CalendarDayForm()
    if form.validate_on_submit():
        return run_step(
            lambda: add_calendar_day(
                current_user, form.day.data, form.kind.data == "workday", form.name.data
            ),
            refused=lambda err: _calendar_page(form),
            form=form,
            to=url_for("admin.calendar"),
            done=_("Calendar day added."),
        )
    return _calendar_page(form), form_status(form)


@bp.route("/calendar/<day>/delete", methods=["POST"])
@admin_required
def calendar_delete(day: str):
    try:
        parsed = dt.date.fromisoformat(day)
    except ValueError:
        abort(404)
    return run_step(
        lambda: remove_calendar_day(current_user, parsed),
        refused=lambda err: _calendar_page(CalendarDayForm(formdata=None)),
        to=url_for("admin.calendar"),
        done=_("Calendar day removed."),
    )


@bp.route("/users/<int:user_id>/sessions/end", methods=["POST"])
@admin_required
def user_sessions_end(user_id: int):
    """Signs the user out everywhere, e.g. when a laptop is lost."""
    user = _own_user_or_404(user_id)
    return run_step(
        lambda: end_user_sessions(user, current_user),
        refused=_on_edit_page(user_id),
        to=url_for("admin.user_edit", user_id=user_id),
        done=lambda count: _(
            "Sessions of %(name)s ended: %(count)s.", name=user.username, count=count
        ),
    )
