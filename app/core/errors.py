"""Errors a user can cause, with a stable code for the API and a message in their language."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Response, json
from werkzeug.exceptions import Forbidden

T = TypeVar("T")


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
        problems: dict | None = None,
    ):
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        self.field = field
        self.keep = keep
        # Every problem found in the input, field -> message (`Problems`): one refusal
        # names them all, so a form is corrected in one round.
        self.problems = dict(problems or ({field: message} if field else {}))

    def problem_of(self, field: str) -> str | None:
        """The problem of `field` as shown under it (without the field's name), if any."""
        message = self.problems.get(field)
        if message is None:
            return None
        return str(message.message if isinstance(message, Named) else message)


class Problems:
    """Every problem of an input, collected before refusing: a service checks all fields
    and raises once (`check`), never at the first problem it meets.

        problems = Problems()
        if not title:
            problems.add("title", _l("This field is required."), label=_l("Title"))
        ...
        problems.check()

    With `label`, the message names its field wherever it is shown away from the field
    (the top of a page, the API's detail)."""

    def __init__(self) -> None:
        self.found: dict[str, object] = {}

    def add(self, field: str, message, *, label=None) -> None:
        if field not in self.found:  # a field's first problem is the one to fix first
            self.found[field] = Named(label, message) if label is not None else message

    def attempt(self, check: Callable[[], T], default: T | None = None) -> T | None:
        """`check()`, or `default` when it refuses the input (`InvalidInput`): its problem
        is kept and the checks go on. A refusal of another kind (a guard) still stops."""
        try:
            return check()
        except InvalidInput as err:
            for field, message in (err.problems or {"": err.message}).items():
                self.add(field, message)
            return default

    def __contains__(self, field: str) -> bool:
        return field in self.found

    def __bool__(self) -> bool:
        return bool(self.found)

    def check(self) -> None:
        """Refuses (`InvalidInput`) with every problem found, if any."""
        if not self.found:
            return
        (field, message), *_rest = self.found.items()
        if len(self.found) == 1:
            raise InvalidInput(message, field=field, problems=self.found)
        raise InvalidInput(Joined(list(self.found.values())), problems=self.found)


class Named:
    """A field's problem that names the field: "Title: This field is required."."""

    def __init__(self, label, message):
        self.label = label
        self.message = message

    def __str__(self) -> str:
        from flask_babel import gettext

        return gettext("%(field)s: %(problem)s", field=str(self.label), problem=str(self.message))


class Joined:
    """Several problems as one message, in the reader's language when shown."""

    def __init__(self, messages: list):
        self.messages = messages

    def __str__(self) -> str:
        return " ".join(str(m) for m in self.messages)


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
