"""Second-factor pages: the second step of signing in, enrolment, recovery codes.

Between the password and the second step the browser holds only a short-lived "pending"
mark in its session: no user is signed in, so every other page still sends it to /login.
"""

from __future__ import annotations

import time

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth import bp, totp
from app.auth.forms import CodeForm, EnrolForm, SecondFactorChangeForm
from app.auth.models import User
from app.auth.views import _account_page, _safe_next, complete_sign_in
from app.core.pages import form_status, run_step
from app.extensions import db

PENDING = "second_step"
PENDING_SECONDS = 600


def second_step(user: User, next_url: str | None) -> Response | None:
    """After a correct password: a redirect to the step still owed, or None to sign in now."""
    step = totp.second_step_for(user, request.cookies.get(totp.DEVICE_COOKIE))
    if step is None:
        return None
    db.session.commit()  # what second_step_for audited
    session[PENDING] = {
        "user": user.id,
        "version": _credential_mark(user),
        "since": int(time.time()),
        "next": _safe_next(next_url),
        "enrol": step == "enrol",
    }
    return redirect(url_for("auth.totp_setup" if step == "enrol" else "auth.second_step_code"))


# What a signed-in user who owes a second factor may still open.
_WHILE_OWED = {"auth.totp_setup", "auth.totp_qr", "auth.logout", "auth.set_language", "static"}


@bp.before_app_request
def second_factor_owed():
    """A session that began before the agency required a second factor, or before the user
    was given a role that needs one, can do nothing but set it up. API requests carry
    tokens, a credential of their own."""
    if (
        request.endpoint in _WHILE_OWED
        or request.path.startswith("/api/")
        or not current_user.is_authenticated
        or not totp.is_required(current_user)
        or totp.is_enrolled(current_user)
    ):
        return None
    return redirect(url_for("auth.totp_setup"))


def _credential_mark(user: User) -> str:
    """Changes with the password, so a second step begun before a reset is void after it."""
    import hashlib

    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def _pending() -> tuple[User, dict] | None:
    data = session.get(PENDING)
    if not isinstance(data, dict) or time.time() - data.get("since", 0) > PENDING_SECONDS:
        return None
    user = db.session.get(User, data.get("user"))
    if user is None or not user.active or _credential_mark(user) != data.get("version"):
        return None
    return user, data


def _finish(user: User) -> None:
    session.pop(PENDING, None)
    complete_sign_in(user)


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _clear_code(form) -> None:
    """A refused code is not typed again: the field comes back empty for the next one."""
    form.code.data = ""
    form.code.raw_data = []


@bp.route("/login/code", methods=["GET", "POST"])
def second_step_code():
    pending = _pending()
    if pending is None or pending[1].get("enrol"):
        return redirect(url_for("auth.login"))
    user, data = pending
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        outcome = totp.check_code(user, form.code.data)
        db.session.commit()  # failures count even though the step is refused
        if outcome.ok:
            _finish(user)
            response = redirect(data["next"])
            if form.remember.data:
                _remember_device(response, user)
            if outcome is totp.Outcome.recovery:
                left = totp.status_of(user).recovery_codes_left
                flash(_("You used a recovery code. Recovery codes left: %(n)s.", n=left), "warning")
            return response
        form.code.errors = [*form.code.errors, _refusal(outcome, user)]
        _clear_code(form)
        status = 429 if outcome is totp.Outcome.locked else 200
    days = current_app.config["TOTP_REMEMBER_DAYS"]
    return render_template("auth/second_step.html", form=form, days=days), status


def _refusal(outcome: totp.Outcome, user: User) -> str:
    if outcome is totp.Outcome.locked:
        until = totp.locked_until(user)
        return _(
            "Too many wrong codes. Try again after %(time)s.",
            time=format_datetime(until, "yyyy-MM-dd HH:mm:ss") if until else "",
        )
    if outcome is totp.Outcome.replayed:
        return _("That code was used already. Wait for the next one.")
    return _("That code is wrong.")


def _remember_device(response: Response, user: User) -> None:
    response.set_cookie(
        totp.DEVICE_COOKIE,
        totp.device_token(user),
        max_age=totp.device_max_age(),
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        httponly=True,
        samesite="Lax",
    )


def _enrolling() -> tuple[User, dict | None] | None:
    """A signed-in user setting up from the account page, or one whose role requires the
    second factor and who is stopped between the password and their first code."""
    if current_user.is_authenticated:
        return current_user, None
    pending = _pending()
    if pending is not None and pending[1].get("enrol"):
        return pending
    return None


@bp.route("/account/second-factor", methods=["GET", "POST"])
def totp_setup():
    enrolling = _enrolling()
    if enrolling is None:
        return redirect(url_for("auth.login"))
    user, data = enrolling
    if totp.is_enrolled(user):
        flash(_("Two-step sign-in is already on for this account."), "info")
        return redirect(url_for("auth.account"))
    row = totp.start_enrolment(user)
    db.session.commit()
    form = EnrolForm()

    def page(err=None):
        secret = " ".join(row.secret[i : i + 4] for i in range(0, len(row.secret), 4))
        html = render_template("auth/totp_setup.html", form=form, secret=secret, forced=bool(data))
        return _no_store(Response(html))

    def codes_page(codes):
        if data is not None:
            _finish(user)
        done = data["next"] if data else url_for("auth.account")
        return _no_store(
            Response(render_template("auth/recovery_codes.html", codes=codes, done=done))
        )

    if form.validate_on_submit():
        password = None if data is not None else (form.password.data or "")
        return run_step(
            lambda: totp.confirm_enrolment(user, form.code.data, password),
            refused=page,
            form=form,
            respond=codes_page,
        )
    response = page()
    response.status_code = form_status(form)
    return response


@bp.route("/account/second-factor/qr.svg")
def totp_qr():
    """The QR code of the secret being set up, as an image the page links to."""
    enrolling = _enrolling()
    if enrolling is None:
        abort(404)
    user = enrolling[0]
    row = totp.totp_row(user)
    if row is None or row.confirmed_at is not None:
        abort(404)
    return _no_store(
        Response(totp.qr_svg(totp.provisioning_uri(user, row)), mimetype="image/svg+xml")
    )


def _change_second_factor(prefix: str, action, **then):
    """A change to the second factor from the account page asks for a current code, checked
    first (it counts towards the lock), then the password, checked by the service (it counts
    towards the sign-in lockout). Refused, the account page comes back with why."""
    form = SecondFactorChangeForm(prefix=prefix)
    forms = {f"{prefix}_form": form}
    if not form.validate_on_submit():
        return _account_page(status=422, **forms)
    outcome = totp.check_code(current_user, form.code.data)
    db.session.commit()  # failures count even though the step is refused
    if not outcome.ok:
        form.code.errors = [*form.code.errors, _refusal(outcome, current_user)]
        _clear_code(form)
        return _account_page(status=429 if outcome is totp.Outcome.locked else 422, **forms)
    return run_step(
        lambda: action(current_user, form.password.data),
        refused=lambda err: _account_page(**forms),
        form=form,
        **then,
    )


@bp.route("/account/second-factor/recovery-codes", methods=["POST"])
@login_required
def totp_recovery_codes():
    return _change_second_factor(
        "codes",
        totp.regenerate_recovery_codes,
        respond=lambda codes: _no_store(
            Response(
                render_template(
                    "auth/recovery_codes.html", codes=codes, done=url_for("auth.account")
                )
            )
        ),
    )


@bp.route("/account/second-factor/disable", methods=["POST"])
@login_required
def totp_disable():
    return _change_second_factor(
        "off",
        totp.disable_totp,
        to=url_for("auth.account"),
        done=_("Two-step sign-in is off."),
    )
