import datetime as dt
from urllib.parse import urlsplit

from flask import (
    abort,
    current_app,
    flash,
    g,
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

from app.auth import bp, totp
from app.auth.forms import (
    ChangePasswordForm,
    LanguageForm,
    LoginForm,
    SecondFactorChangeForm,
    TokenForm,
)
from app.auth.models import ApiToken, SessionEnd, User, UserSession
from app.auth.passwords import DEMO_PASSWORD, check_password, dummy_hash
from app.auth.services import (
    change_own_password,
    create_token,
    revoke_token,
    token_max_days,
    tokens_of,
)
from app.auth.sessions import (
    SESSION_KEY,
    active_sessions,
    current_session,
    describe_agent,
    end_own_session,
    end_session,
    end_sessions,
    live_session,
    start_session,
    touch_session,
)
from app.auth.throttle import (
    account_key,
    address_key,
    clear_failures,
    locked_until,
    record_failure,
)
from app.core import audit
from app.core.i18n import safe_page, switch_language
from app.core.ids import parse_id
from app.core.pages import form_status, run_step
from app.core.times import local_time
from app.extensions import db, login_manager

login_manager.login_view = "auth.login"
login_manager.login_message = None
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(user_id: str):
    """A request is signed in only while its server-side session is live (sessions.py)."""
    number = parse_id(user_id)
    if number is None:
        return None
    row = live_session(session.get(SESSION_KEY), number)
    if row is None or not row.user.active:
        return None
    g.user_session = row
    return row.user


@bp.before_app_request
def keep_session_alive():
    """Notes when a session was last used, before the view runs, so the write is its own."""
    if request.endpoint == "static" or SESSION_KEY not in session:
        return
    row = current_session() if current_user.is_authenticated else None
    if row is not None and touch_session(row):
        db.session.commit()


def _safe_next(target: str | None) -> str:
    if (
        target
        and urlsplit(target).netloc == ""
        and target.startswith("/")
        and not target.startswith("//")
    ):
        return target
    return url_for("cases.dashboard")


def complete_sign_in(user: User) -> None:
    """The one place a session starts, once everything sign-in asks has been accepted: a
    server-side session row, its key in the cookie, the account's failures forgotten."""
    key = start_session(user, request.remote_addr, request.user_agent.string)
    login_user(user)
    session[SESSION_KEY] = key
    user.last_login_at = dt.datetime.now(dt.UTC)
    clear_failures(user.username)
    audit.record("auth.login", actor=user)
    db.session.commit()


def _locked_out(form: LoginForm, until: dt.datetime):
    flash(
        _(
            "Too many failed sign-ins. Try again after %(time)s (China Standard Time).",
            time=local_time(until, "seconds"),
        ),
        "danger",
    )
    retry = max(1, int((until - dt.datetime.now(dt.UTC)).total_seconds()) + 1)
    return render_template("auth/login.html", form=form), 429, {"Retry-After": str(retry)}


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("cases.dashboard"))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form)
    username = form.username.data.strip().lower()
    keys = [account_key(username), address_key(request.remote_addr)]
    until = locked_until(keys)
    if until is not None:
        return _locked_out(form, until)  # checked before the password, the right one too
    user = db.session.scalar(select(User).where(User.username == username))
    valid = check_password(user.password_hash if user else dummy_hash(), form.password.data)
    if form.password.data == DEMO_PASSWORD and not current_app.config.get("DEMO"):
        valid = False  # the published demo password never works outside demo mode
    if user is not None and valid and user.active:
        from app.auth.totp_views import second_step

        if pending := second_step(user, request.args.get("next")):
            return pending
        complete_sign_in(user)
        return redirect(_safe_next(request.args.get("next")))
    agency_id = user.agency_id if user else None
    audit.record(
        "auth.login_failed",
        actor=None,
        agency_id=agency_id,
        details={
            "username": username[:64],
            "reason": "inactive" if user and valid else "bad_credentials",
        },
    )
    until = record_failure(keys, agency_id=agency_id)
    db.session.commit()
    if until is not None:
        return _locked_out(form, until)
    flash(_("Wrong username or password, or the account is deactivated."), "danger")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    row = current_session()
    if row is not None:
        end_session(row, SessionEnd.logout)
    audit.record("auth.logout", actor=current_user)
    db.session.commit()
    logout_user()
    session.pop(SESSION_KEY, None)
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language/<code>", methods=["POST"])
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        switch_language(code)
    # Only a page a GET answers: a form's post URL is never where the switch lands.
    return redirect(safe_page(request.form.get("next")))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()

    def page(err=None):
        return render_template("auth/password.html", form=form)

    if form.validate_on_submit():
        return run_step(
            lambda: change_own_password(
                current_user, form.current.data, form.new.data, keep=current_session()
            ),
            refused=page,
            form=form,
            to=url_for("cases.dashboard"),
            done=_("Your password has been changed. Your other sessions were ended."),
        )
    return page(), form_status(form)


def _account_page(
    form=None,
    token_form=None,
    new_token: str | None = None,
    status: int = 200,
    codes_form=None,
    off_form=None,
):
    """The user's own page: language, password, their API tokens and second factor; a
    form posted from it and refused comes back with its errors."""
    locale = current_user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    longest = token_max_days(current_user)
    html = render_template(
        "auth/account.html",
        form=form or LanguageForm(locale=locale),
        token_form=token_form or TokenForm(formdata=None, days=longest),
        tokens=tokens_of(current_user),
        token_max_days=longest,
        new_token=new_token,
        second_factor=totp.status_of(current_user),
        codes_form=codes_form or SecondFactorChangeForm(formdata=None, prefix="codes"),
        off_form=off_form or SecondFactorChangeForm(formdata=None, prefix="off"),
    )
    return html, status


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """Language is kept on the account; the password has its own page."""
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
    return run_step(
        lambda: create_token(current_user, form.name.data, form.days.data),
        refused=lambda err: _account_page(token_form=form),
        form=form,
        respond=lambda token: _account_page(new_token=token),
    )


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def token_revoke(token_id: int):
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != current_user.id:
        abort(404)  # another user's token does not exist for this one
    name = row.name
    return run_step(
        lambda: revoke_token(row, current_user),
        refused=lambda err: _account_page(),
        to=url_for("auth.account"),
        done=_("Token %(name)s revoked; it no longer works.", name=name),
    )


def _own_session_or_404(session_id: int) -> UserSession:
    """Another user's session, or one already over, does not exist for this user."""
    row = next((r for r in active_sessions(current_user) if r.id == session_id), None)
    if row is None:
        abort(404)
    return row


@bp.route("/account/sessions")
@login_required
def sessions():
    """Where the user is signed in, so a forgotten or unknown browser can be signed out."""
    current = current_session()
    rows = [
        {
            "row": row,
            "browser": describe_agent(row.user_agent),
            "current": current is not None and row.id == current.id,
        }
        for row in active_sessions(current_user)
    ]
    idle_hours = current_app.config["SESSION_IDLE_SECONDS"] // 3600
    return render_template("auth/sessions.html", sessions=rows, idle_hours=idle_hours)


@bp.route("/account/sessions/<int:session_id>/end", methods=["POST"])
@login_required
def end_one_session(session_id: int):
    row = _own_session_or_404(session_id)
    current = current_session()
    end_own_session(current_user, row)
    db.session.commit()
    if current is not None and row.id == current.id:
        logout_user()
        session.pop(SESSION_KEY, None)
        flash(_("You have signed out."), "info")
        return redirect(url_for("auth.login"))
    flash(_("The session was ended; that browser is signed out."), "success")
    return redirect(url_for("auth.sessions"))


@bp.route("/account/sessions/end-others", methods=["POST"])
@login_required
def end_other_sessions():
    count = end_sessions(
        current_user, SessionEnd.ended_by_user, keep=current_session(), actor=current_user
    )
    db.session.commit()
    flash(_("Sessions ended: %(count)s. This one goes on.", count=count), "success")
    return redirect(url_for("auth.sessions"))
