"""Locale choice: the user's saved language, else the session's, else Simplified Chinese."""

import re
from contextlib import contextmanager
from urllib.parse import urlsplit

from flask import current_app, flash, has_request_context, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import refresh
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from app.extensions import db


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if request.args.get("lang") in languages:
        return request.args["lang"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


# Each language by its own name, as language choices are shown (not translated).
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}


def language_name(code: str | None) -> str:
    return LANGUAGE_NAMES.get(code or "", code or "")


# The language switch on a page that answers a refused form re-posts the form with this
# field: the same page is shown again in the chosen language with what the user typed and
# why it was refused, and nothing is saved. Switching elsewhere is a GET of the page shown.
RELABEL = "_language"
# Values never written back into a page (the switch carries the others as hidden fields):
# the token, passwords (`password`, `current`, `new`, `confirm`) and second-step codes.
_NOT_CARRIED = re.compile(r"csrf_token|password|secret|otp|^code$|^current$|^new$|^confirm$")


NOTHING_SAVED = _l("The language was changed and nothing was saved: submit the form again.")


class RelabelOnly(Exception):
    """A commit was attempted while a refused form was only being shown again."""


_FLAG = "yrd.relabel"  # kept on the request itself: an app context may serve several


def relabelling() -> bool:
    return has_request_context() and bool(request.environ.get(_FLAG))


@contextmanager
def committing():
    """What a refusal must leave behind (`ServiceError.keep`) is kept in any case."""
    relabel = request.environ.pop(_FLAG, None) if has_request_context() else None
    try:
        yield
    finally:
        if relabel:
            request.environ[_FLAG] = relabel


def carried_fields() -> list[tuple[str, str]]:
    """What the user posted, for the language switch of the page answering that post."""
    if request.method != "POST" or not current_user.is_authenticated:
        return []
    try:
        posted = request.form
    except HTTPException:  # the page says the post itself was refused (413): nothing to carry
        return []
    return [
        (name, value)
        for name, value in posted.items(multi=True)
        if name != RELABEL and not _NOT_CARRIED.search(name)
    ]


def switch_language(code: str) -> None:
    """The chosen language, kept in the session and, for a signed-in user, their account."""
    session["lang"] = code
    if current_user.is_authenticated:
        current_user.locale = code
        db.session.commit()
    refresh()  # a locale already chosen for this context must not outlive the switch


# Only these bodies are parsed into `request.form` (a JSON post has no switch to read).
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _relabel():
    if request.method != "POST" or request.mimetype not in _FORM_TYPES:
        return None
    if RELABEL not in request.form:
        return None
    code = request.form[RELABEL]
    if code not in current_app.config["LANGUAGES"] or not current_user.is_authenticated:
        return None
    switch_language(code)
    request.environ[_FLAG] = True
    return None


def _relabelled(response):
    """The page is the same page shown again, not a new refusal."""
    if relabelling() and response.status_code in (409, 422):
        response.status_code = 200
    return response


def _no_commit_while_relabelling(_session) -> None:
    if relabelling():
        raise RelabelOnly


def _nothing_saved(_error):
    """A view that commits outside `run_step` was posted only to be shown again."""
    db.session.rollback()
    flash(str(NOTHING_SAVED), "info")
    here = safe_page(request.full_path)
    return redirect(here if here != url_for("cases.dashboard") else safe_page(request.referrer))


def safe_page(target: str | None) -> str:
    """`target` if it is a page of this site a GET answers, else the dashboard."""
    if target:
        parts = urlsplit(target)
        if (
            parts.netloc in ("", request.host)
            and parts.path.startswith("/")
            and not (parts.path.startswith(("//", "/\\")))
        ):
            adapter = current_app.url_map.bind(request.host)
            try:
                adapter.match(parts.path, method="GET")
            except (HTTPException, RequestRedirect):
                pass
            else:
                return parts.path + (f"?{parts.query}" if parts.query else "")
    return url_for("cases.dashboard")


def init_app(app) -> None:
    app.before_request(_relabel)
    app.after_request(_relabelled)
    app.register_error_handler(RelabelOnly, _nothing_saved)
    if not event.contains(Session, "before_commit", _no_commit_while_relabelling):
        event.listen(Session, "before_commit", _no_commit_while_relabelling)
    app.jinja_env.globals.update(
        carried_fields=carried_fields, RELABEL=RELABEL, language_name=language_name
    )
