import datetime as dt
from urllib.parse import urlsplit

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from app.auth import bp
from app.auth.forms import ChangePasswordForm, LoginForm, TokenForm
from app.auth.models import ApiToken, User
from app.auth.passwords import DEMO_PASSWORD, DUMMY_HASH, check_password
from app.auth.services import (
    change_own_password,
    create_token,
    revoke_token,
    token_max_days,
    tokens_of,
)
from app.core import audit
from app.core.errors import ServiceError
from app.extensions import db, limiter, login_manager

login_manager.login_view = "auth.login"
login_manager.login_message = None
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(session_id: str):
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or str(user.session_version) != version:
        return None
    return user


def _safe_next(target: str | None) -> str:
    if (
        target
        and urlsplit(target).netloc == ""
        and target.startswith("/")
        and not target.startswith("//")
    ):
        return target
    return url_for("cases.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("cases.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        username = form.username.data.strip().lower()
        user = db.session.scalar(select(User).where(User.username == username))
        valid = check_password(user.password_hash if user else DUMMY_HASH, form.password.data)
        if form.password.data == DEMO_PASSWORD and not current_app.config.get("DEMO"):
            valid = False  # the published demo password never works outside demo mode
        if user is not None and valid and user.active:
            login_user(user)
            user.last_login_at = dt.datetime.now(dt.UTC)
            audit.record("auth.login", actor=user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        audit.record(
            "auth.login_failed",
            actor=None,
            agency_id=user.agency_id if user else None,
            details={
                "username": username[:64],
                "reason": "inactive" if user and valid else "bad_credentials",
            },
        )
        db.session.commit()
        flash(_("Wrong username or password, or the account is deactivated."), "danger")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    audit.record("auth.logout", actor=current_user)
    db.session.commit()
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language/<code>", methods=["POST"])
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
        if current_user.is_authenticated:
            current_user.locale = code
            db.session.commit()
        refresh()  # a locale already chosen for this context must not outlive the switch
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            change_own_password(current_user, form.current.data, form.new.data)
        except ServiceError as err:
            db.session.rollback()
            field = form.current if err.field == "current" else form.new
            field.errors.append(str(err.message))
        else:
            db.session.commit()
            login_user(current_user)  # the session id changed with the password
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("cases.dashboard"))
    return render_template("auth/password.html", form=form)


def _account_page(form=None, token_form=None, new_token: str | None = None, status: int = 200):
    """The user's own page: language, password, and their API tokens."""
    from app.admin.forms import LanguageForm

    locale = current_user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    longest = token_max_days(current_user)
    html = render_template(
        "auth/account.html",
        form=form or LanguageForm(locale=locale),
        token_form=token_form or TokenForm(formdata=None, days=longest),
        tokens=tokens_of(current_user),
        token_max_days=longest,
        new_token=new_token,
    )
    return html, status


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """Language is kept on the account; the password has its own page."""
    from app.admin.forms import LanguageForm

    form = LanguageForm(locale=current_user.locale or current_app.config["BABEL_DEFAULT_LOCALE"])
    if form.validate_on_submit():
        current_user.locale = form.locale.data
        session["lang"] = form.locale.data
        audit.record("user.set_language", actor=current_user, details={"locale": form.locale.data})
        db.session.commit()
        refresh()
        flash(_("Language saved."), "success")
        return redirect(url_for("auth.account"))
    return _account_page(form=form)


@bp.route("/account/tokens", methods=["POST"])
@login_required
def token_create():
    """The new token is shown on this response only; it is never stored or flashed."""
    form = TokenForm()
    if not form.validate_on_submit():
        return _account_page(token_form=form, status=422)
    try:
        token = create_token(current_user, form.name.data, form.days.data)
    except ServiceError as err:
        db.session.rollback()
        field = getattr(form, err.field or "", None) or form.name
        field.errors = [*field.errors, str(err.message)]
        return _account_page(token_form=form, status=422)
    db.session.commit()
    return _account_page(new_token=token)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def token_revoke(token_id: int):
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != current_user.id:
        abort(404)  # another user's token does not exist for this one
    try:
        revoke_token(row, current_user)
    except ServiceError as err:
        db.session.rollback()
        flash(str(err.message), "danger")
    else:
        db.session.commit()
        flash(_("Token %(name)s revoked; it no longer works.", name=row.name), "success")
    return redirect(url_for("auth.account"))
