"""One refusal path for pages, as `app/api/handling.py` is for the API.

A view hands the service call to `run_step`. When the service refuses (a `ServiceError`),
nothing it did is kept, the message is put where the user looks (under the form field it
names, otherwise at the top of the page), and the page the user came from is rendered
again with what they typed and the status the API answers for the same refusal. When the
service succeeds, the request's work is committed, the user is told what happened and is
sent on (post/redirect/get).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import flash, make_response, redirect
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm

from app.core.errors import ServiceError
from app.core.i18n import NOTHING_SAVED, RelabelOnly, committing, relabelling
from app.extensions import db

T = TypeVar("T")
Text = Any  # a str or a lazy string
OrFromResult = Text | Callable[[Any], Text] | None


def _value(spec, result):
    return spec(result) if callable(spec) else spec


def show_refusal(err: ServiceError, form: FlaskForm | None = None) -> None:
    """Puts each of a refusal's problems under the form field it names, and what no field
    of the form shows at the top."""
    problems = err.problems or {None: err.message}
    for name, message in problems.items():
        field = getattr(form, name, None) if (form is not None and name) else None
        if field is not None and hasattr(field, "errors"):
            text = str(getattr(message, "message", message))  # under the field: unnamed
            if text not in (field.errors or []):
                field.errors = [*(field.errors or []), text]
        else:
            flash(str(message), "danger")


def refuse(err: ServiceError, form: FlaskForm | None = None, *, show: bool = True) -> None:
    """Undoes the request's changes and shows why. What the refusal itself must leave
    behind (`err.keep`, e.g. a counted wrong password) is done after the undo and kept."""
    db.session.rollback()
    if err.keep is not None:
        with committing():  # kept even when the form is only shown again in another language
            err.keep()
            db.session.commit()
    if show:
        show_refusal(err, form)


def run_step(
    action: Callable[[], T],
    *,
    refused: Callable[[ServiceError], ResponseReturnValue],
    to: OrFromResult = None,
    done: OrFromResult = None,
    form: FlaskForm | None = None,
    category: str = "success",
    respond: Callable[[Any], ResponseReturnValue] | None = None,
    page_shows_error: bool = False,
):
    """Runs `action` (a service call) for a form post.

    - refused(err): the page to show again after a refusal (it sees the rolled-back session
      and the user's input in `request.form` / `form`); answered with `err.status`.
    - to: where to go on success, or a function of the action's result giving it.
    - done: the message on success (or a function of the result), none when omitted.
    - respond(result): the answer on success when it is a page of its own (codes shown
      once) rather than a redirect to `to`.
    - page_shows_error: the refused page shows `err` itself (the case page's alert), so the
      message is not flashed as well.
    """
    try:
        result = action()
    except ServiceError as err:
        refuse(err, form, show=not page_shows_error)
        response = make_response(refused(err))
        response.status_code = err.status
        return response
    except RelabelOnly:
        result = None
    if relabelling():
        # A refused form shown again in the language just chosen (`app/core/i18n.py`): it
        # passes now, but the user asked for the page, not the step. Nothing is kept.
        db.session.rollback()
        err = ServiceError(NOTHING_SAVED)
        if not page_shows_error:
            show_refusal(err)
        return refused(err)
    db.session.commit()
    message = _value(done, result)
    if message:
        flash(str(message), category)
    if respond is not None:
        return respond(result)
    return redirect(_value(to, result))


def attempt(
    action: Callable[[], T], *, form: FlaskForm | None = None, show: bool = True
) -> tuple[T | None, ServiceError | None]:
    """For a step whose result is shown on the same page (an audited search): returns
    (result, None), or after a refusal — undone and shown as `refuse` does — (None, err).
    `show=False` when the page shows `err` itself."""
    try:
        return action(), None
    except ServiceError as err:
        refuse(err, form, show=show)
        return None, err


def form_status(form: FlaskForm) -> int:
    """The status of a form page: 422 after a post that failed validation, as the API."""
    return 422 if form.errors else 200
