"""Errors a user can cause, with a stable code for the API and a message in their language."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, json
from werkzeug.exceptions import Forbidden


class ServiceError(Exception):
    """Raised by a service function; nothing has been changed when it is raised.

    `keep` is what the refusal itself must leave behind once the request's work is undone
    (a wrong password counted towards the lockout); the caller runs and commits it."""

    status = 422
    code = "invalid"

    def __init__(
        self,
        message,
        *,
        code: str | None = None,
        field: str | None = None,
        keep: Callable[[], object] | None = None,
    ):
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        self.field = field
        self.keep = keep


class NotAllowed(ServiceError):
    status = 403
    code = "not_allowed"


class InvalidInput(ServiceError):
    status = 422
    code = "invalid_input"


class GuardFailed(ServiceError):
    status = 409
    code = "guard_failed"


class TooManyAttempts(ServiceError):
    status = 429
    code = "too_many_attempts"


class StaleVersion(ServiceError):
    status = 409
    code = "stale_version"


class IllegalTransition(ServiceError):
    status = 409
    code = "illegal_transition"


def problem(status: int, code: str, title: str, detail: str | None = None, **extra) -> Response:
    """An RFC 9457 problem document."""
    body = {"type": f"about:blank#{code}", "title": str(title), "status": status, "code": code}
    if detail:
        body["detail"] = str(detail)
    body.update({k: v for k, v in extra.items() if v is not None})
    return Response(
        json.dumps(body, ensure_ascii=False), status=status, mimetype="application/problem+json"
    )


class Refused(Forbidden):
    """A 403 that tells the visitor why, in their language (a recused member opening their
    review): the error page shows `reason`, the API's problem its text."""

    def __init__(self, reason) -> None:
        super().__init__(description=str(reason))
        self.reason = reason
