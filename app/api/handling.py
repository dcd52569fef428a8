"""Bearer-token authentication, request parsing and problem+json errors for the API.

The API never falls back to the session cookie: it is CSRF-exempt, so accepting a browser
session here would let any page a user visits act in their name.
"""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

from flask import Response, current_app, g, json, request
from flask_babel import gettext as _
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import HTTPException

from app.auth.models import User
from app.auth.services import user_for_token
from app.core.errors import ServiceError, problem
from app.core.json_input import TooDeep, loads_bounded
from app.core.pages import refuse
from app.extensions import db

MAX_BODY = 1024 * 1024
M = TypeVar("M", bound=BaseModel)


class ApiError(Exception):
    def __init__(self, status: int, code: str, title: str, detail: str | None = None, **extra):
        super().__init__(title)
        self.status, self.code, self.title, self.detail, self.extra = (
            status,
            code,
            title,
            detail,
            extra,
        )


def authenticate() -> None:
    """Runs before every API view; public operations skip it."""
    fn = current_app.view_functions.get(request.endpoint or "")
    if fn is not None and getattr(getattr(fn, "api_operation", None), "public", False):
        return None
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    user = user_for_token(token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        return problem(
            401,
            "unauthorized",
            _("Authentication required"),
            _("Send a valid API token as “Authorization: Bearer yrd_…”."),
        )
    if db.session.dirty:
        # Keeps the token's last-used time (written at most once a minute); committing
        # otherwise would only expire the user, whom the view then reads again.
        db.session.commit()
    g._login_user = user  # Flask-Login's current_user, without a session cookie
    g.api_user = user
    return None


def current() -> User:
    return g.api_user


def parse_body(model: type[M], max_body: int = MAX_BODY) -> M:
    """`max_body`: a larger bound for an endpoint that takes long lists (screening)."""
    if request.mimetype != "application/json":
        raise ApiError(
            415,
            "unsupported_media_type",
            _("Unsupported media type"),
            _("Send the request body as application/json."),
        )
    if (request.content_length or 0) > max_body:
        raise ApiError(413, "payload_too_large", _("Payload too large"))
    raw = request.stream.read(max_body + 1)  # never more, whatever the client announced
    if len(raw) > max_body:
        raise ApiError(413, "payload_too_large", _("Payload too large"))
    try:
        data = loads_bounded(raw)
    except TooDeep as exc:
        raise ApiError(
            400,
            "invalid_json",
            _("The body is nested too deeply."),
            _("At most %(n)s levels of arrays and objects.", n=exc.max_depth),
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "invalid_json", _("The body is not valid JSON."), str(exc)) from exc
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", _("The body must be a JSON object."))
    # Strict: "7" is not a version and "yes" is not a boolean, as the OpenAPI schema says.
    return model.model_validate_json(raw, strict=True)


def parse_query(model: type[M]) -> M:
    data = {}
    for key in request.args:
        values = request.args.getlist(key)
        data[key] = values[0] if len(values) == 1 else values
    return model.model_validate(data)


def validation_problem(exc: ValidationError):
    errors = [
        {
            "field": ".".join(str(part) for part in err["loc"]) or "body",
            "message": err["msg"],
        }
        for err in exc.errors(include_url=False)
    ]
    return problem(
        422,
        "invalid_input",
        _("The request has invalid fields."),
        "; ".join(f"{e['field']}: {e['message']}" for e in errors),
        errors=errors,
    )


def register_error_handlers(bp) -> None:
    @bp.errorhandler(ValidationError)
    def on_validation(exc):
        db.session.rollback()
        return validation_problem(exc)

    @bp.errorhandler(ServiceError)
    def on_service_error(exc):
        refuse(exc, show=False)
        errors = [{"field": f, "message": str(m)} for f, m in exc.problems.items()]
        return problem(
            exc.status,
            exc.code,
            str(exc.message),
            str(exc.message),
            field=exc.field,
            errors=errors if len(errors) > 1 else None,
        )

    @bp.errorhandler(ApiError)
    def on_api_error(exc):
        db.session.rollback()
        return problem(exc.status, exc.code, exc.title, exc.detail, **exc.extra)

    @bp.errorhandler(HTTPException)
    def on_http_error(exc):
        db.session.rollback()
        codes = {404: "not_found", 403: "not_allowed", 405: "method_not_allowed"}
        code = codes.get(exc.code, (exc.name or "error").lower().replace(" ", "_"))
        return problem(exc.code or 500, code, exc.name, exc.description)


NOT_FOUND = {404: "No case with this reference is visible to you"}


BAD_BODY = {
    400: "The body is not a JSON object",
    413: "The body is larger than 1 MiB",
    415: "The body is not application/json",
    422: "Invalid fields (`invalid_input`, with per-field `errors`)",
}


def respond(model: type[BaseModel], data: dict, status: int = 200, **headers) -> Response:
    """Validates the response against its declared model, so the OpenAPI document holds.
    Every time in a response carries its zone (`zoned`), however a model declares it."""
    body = model.model_validate(zoned(data)).model_dump(mode="json")
    return Response(
        json.dumps(body, ensure_ascii=False),
        status=status,
        mimetype="application/json",
        headers=headers,
    )


def zoned(value):
    """Times are stored in UTC and SQLite hands them back without an offset, which RFC 3339
    requires: a naive time anywhere in a response (nested dicts and lists too) is UTC."""
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    if isinstance(value, dict):
        return {k: zoned(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [zoned(v) for v in value]
    return value
