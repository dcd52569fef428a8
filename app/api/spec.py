"""A small route registry: each API endpoint declares its models once, and both the request
handling and the OpenAPI document are derived from that declaration, so they cannot drift."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Response, json, request
from pydantic import BaseModel

from app.api import bp
from app.api.schemas import Problem


@dataclass
class Operation:
    path: str
    method: str
    summary: str
    endpoint: str
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    errors: dict[int, str] = field(default_factory=dict)
    public: bool = False
    # A multipart/form-data body of these text fields and one `file` (an upload).
    upload: tuple[str, ...] = ()
    # The upload's file fields, when they are not the one `file`.
    upload_files: tuple[str, ...] = ("file",)


OPERATIONS: list[Operation] = []

COMMON_ERRORS = {401: "Missing, malformed, unknown, expired or revoked bearer token"}


def operation(bp, path: str, method: str, summary: str, **kwargs) -> Callable:
    """Registers a view on the blueprint and records it for the OpenAPI document."""

    def register(fn):
        op = Operation(path=path, method=method.lower(), summary=summary, endpoint=fn.__name__)
        for key, value in kwargs.items():
            setattr(op, key, value)
        fn.api_operation = op
        OPERATIONS.append(op)
        flask_path = re.sub(r"\{(\w+)\}", _flask_parameter, path)
        bp.add_url_rule(flask_path, fn.__name__, fn, methods=[method.upper()])
        return fn

    return register


def _is_id(name: str) -> bool:
    """A path parameter named `..._id` is a row's id: ASCII digits only, else 404 (the
    app-wide `int` converter of app.core.ids)."""
    return name.endswith("_id")


def _flask_parameter(match: re.Match) -> str:
    name = match.group(1)
    return f"<int:{name}>" if _is_id(name) else f"<{name}>"


def _path_schema(name: str) -> dict:
    return {"type": "integer", "minimum": 0} if _is_id(name) else {"type": "string"}


def _schema(model: type[BaseModel], defs: dict, mode: str) -> dict:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}", mode=mode)
    defs.update(schema.pop("$defs", {}))
    defs[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _query_parameters(model: type[BaseModel], defs: dict) -> list[dict]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    defs.update(schema.pop("$defs", {}))
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema["properties"].items():
        params.append(
            {
                "name": name,
                "in": "query",
                "required": name in required,
                "description": prop.get("description", ""),
                "schema": {k: v for k, v in prop.items() if k not in ("title", "description")},
            }
        )
    return params


def build_document(base_url: str = "/api/v1") -> dict:
    """The OpenAPI 3.1 document for every registered operation."""
    defs: dict = {}
    paths: dict = {}
    problem_ref = _schema(Problem, defs, "serialization")
    for op in OPERATIONS:
        item: dict = {"summary": op.summary, "operationId": op.endpoint, "responses": {}}
        params = [
            {"name": name, "in": "path", "required": True, "schema": _path_schema(name)}
            for name in re.findall(r"\{(\w+)\}", op.path)
        ]
        if op.query:
            params += _query_parameters(op.query, defs)
        if params:
            item["parameters"] = params
        if op.body:
            item["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _schema(op.body, defs, "validation")}},
            }
        if op.upload:
            fields = {name: {"type": "string"} for name in op.upload}
            item["requestBody"] = {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                **fields,
                                **{
                                    name: {"type": "string", "format": "binary"}
                                    for name in op.upload_files
                                },
                            },
                            "required": [*op.upload, *op.upload_files],
                        }
                    }
                },
            }
        ok: dict = {"description": "Success"}
        if op.response:
            ok["content"] = {
                "application/json": {"schema": _schema(op.response, defs, "serialization")}
            }
        item["responses"][str(op.status)] = ok
        errors = dict(op.errors) if op.public else {**COMMON_ERRORS, **op.errors}
        for status, description in sorted(errors.items()):
            item["responses"][str(status)] = {
                "description": description,
                "content": {"application/problem+json": {"schema": problem_ref}},
            }
        if op.public:
            item["security"] = []
        paths.setdefault(op.path, {})[op.method] = item
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "YRD Research Integrity Platform API",
            "version": "1.0.0",
            "description": "Case handling for the Yangtze River Delta science authorities.",
        },
        "servers": [{"url": base_url}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": defs,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token from the account page or `flask create-token USER`.",
                }
            },
        },
    }


@operation(bp, "/openapi.json", "GET", "This API's OpenAPI 3.1 document", public=True)
def openapi_document():
    return Response(
        json.dumps(build_document(request.script_root + bp.url_prefix), ensure_ascii=False),
        mimetype="application/json",
    )
