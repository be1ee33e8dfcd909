"""The OpenAPI 3.1 document, built from the declared operations and their pydantic models, and a
readable page that lists the same operations for people."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, render_template
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from app.api import bp
from app.api.registry import FILE_PART, MULTIPART, OPERATIONS, OPTIONAL, PUBLIC, Operation
from app.api.schemas import Problem
from app.challenges.markdown import render_markdown

TITLE = "Podium API"
VERSION = "1.0.0"
REF = "#/components/schemas/{model}"
STATUS_TEXT = {
    200: "OK",
    201: "Created",
    204: "No content",
    400: "Malformed request (bad JSON, bad cursor, missing CSRF token for a session)",
    401: "No credentials, or a token that is invalid, expired or revoked",
    403: "Not allowed: role, ownership, or a read-only token writing",
    404: "No such resource, or one the caller may not know exists",
    405: "Method not allowed",
    409: "Not possible in the resource's current state",
    413: "Body larger than 1 MiB",
    415: "Body is not application/json (or, for a file, not of its media type)",
    422: "Body or query does not match the schema, or breaks a rule",
    503: "The database, the job queue or file storage is not answering; send it again after Retry-After seconds",
}
# Any operation may meet these: a method the path does not take, a dependency that is down.
EVERY_OPERATION_MAY_ANSWER = frozenset({405, 503})
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before sending the request again",
        "schema": {"type": "integer", "minimum": 0},
    }
}
DESCRIPTION = """\
Everything the Podium web pages offer, as JSON, through the same services and permission rules.

**Authentication.** Send a personal API token as `Authorization: Bearer <token>`. Create tokens on
your profile's *API tokens* page; a token is shown once, is scoped `read` or `read_write`, expires,
and can be revoked (effective at once). Requests with a token are exempt from CSRF checks. A browser
session may also call the API; its writes need the CSRF token in an `X-CSRFToken` header.

**Conventions.** Errors are RFC 9457 problem details (`application/problem+json`) with a stable
`code`. Lists are paginated by cursor: pass `next_cursor` back as `?cursor=`. Times are ISO 8601 in
UTC. Money is `{"amount_minor": 150000, "currency": "USD"}`. Bodies are strict: unknown fields and
wrong types are refused with 422. Blindness holds here as on the pages: judges and sponsors see
entries by alias until the results are published.
"""


def _models() -> list[tuple[type[BaseModel], str]]:
    found: dict[tuple[type[BaseModel], str], None] = {(Problem, "serialization"): None}
    for declared in OPERATIONS:
        if declared.body is not None:
            found[(declared.body, "validation")] = None
        if declared.response is not None:
            found[(declared.response, "serialization")] = None
    return list(found)


def _is_array(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "array" or any(_is_array(member) for member in schema.get("anyOf", ()))


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=REF)
    required = set(schema.get("required", ()))
    parameters = []
    for name, field_schema in schema["properties"].items():
        description = field_schema.pop("description", None)
        field_schema.pop("title", None)
        # A query parameter is present or absent; "null" has no spelling in a query string.
        members = [member for member in field_schema.get("anyOf", ()) if member.get("type") != "null"]
        if len(members) == 1:
            field_schema.pop("anyOf")
            field_schema.update(members[0])
        if field_schema.get("default", "") is None:
            del field_schema["default"]
        parameter: dict[str, Any] = {"name": name, "in": "query", "required": name in required}
        parameter["schema"] = field_schema
        if description:
            parameter["description"] = description
        if _is_array(field_schema):
            parameter.update(style="form", explode=True)
        parameters.append(parameter)
    return parameters


def _security(declared: Operation) -> list[dict[str, list[str]]]:
    if declared.auth == PUBLIC:
        return []
    if declared.auth == OPTIONAL:
        return [{}, {"bearerAuth": []}]
    return [{"bearerAuth": []}]


def _operation(
    declared: Operation, refs: dict[tuple[type[BaseModel], str], dict[str, Any]]
) -> dict[str, Any]:
    success: dict[str, Any] = {"description": STATUS_TEXT.get(declared.status, "OK")}
    if declared.response is not None:
        success["content"] = {"application/json": {"schema": refs[(declared.response, "serialization")]}}
    elif declared.file_answer is not None:
        success["description"] = declared.file_answer.description
        success["content"] = {declared.file_answer.media_type: {"schema": {"type": "string"}}}
    responses: dict[str, Any] = {str(declared.status): success}
    for status in sorted(set(declared.errors) | EVERY_OPERATION_MAY_ANSWER):
        responses[str(status)] = {"$ref": f"#/components/responses/Problem{status}"}
    document: dict[str, Any] = {
        "operationId": declared.endpoint,
        "summary": declared.summary,
        "tags": [declared.tag],
        "security": _security(declared),
        "responses": responses,
    }
    if declared.description:
        document["description"] = declared.description
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": schema}
        for name, schema in declared.path_parameters
    ]
    if declared.query is not None:
        parameters += _query_parameters(declared.query)
    if parameters:
        document["parameters"] = parameters
    if declared.body is not None:
        document["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(declared.body, "validation")]}},
        }
    if declared.file_body is not None:
        document["requestBody"] = _file_body(declared)
    return document


def _file_body(declared: Operation) -> dict[str, Any]:
    """The file raw under its own media type, or as the one part of a multipart form."""
    media_type = declared.file_body.media_type
    return {
        "required": True,
        "description": declared.file_body.description,
        "content": {
            media_type: {"schema": {"type": "string"}},
            MULTIPART: {
                "schema": {
                    "type": "object",
                    "properties": {FILE_PART: {"type": "string", "format": "binary"}},
                    "required": [FILE_PART],
                    "additionalProperties": False,
                },
                "encoding": {FILE_PART: {"contentType": media_type}},
            },
        },
    }


def build_document() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document; every path and method comes from a declared operation."""
    refs, definitions = models_json_schema(_models(), ref_template=REF)
    problem_ref = refs[(Problem, "serialization")]
    statuses = sorted(
        {status for declared in OPERATIONS for status in declared.errors} | EVERY_OPERATION_MAY_ANSWER
    )
    paths: dict[str, dict[str, Any]] = {}
    for declared in OPERATIONS:
        paths.setdefault(declared.path, {})[declared.method.lower()] = _operation(declared, refs)
    return {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": VERSION, "description": DESCRIPTION},
        "servers": [{"url": "/"}],
        "tags": [{"name": tag} for tag in dict.fromkeys(declared.tag for declared in OPERATIONS)],
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token from your profile's API tokens page.",
                }
            },
            "responses": {
                f"Problem{status}": {
                    "description": STATUS_TEXT.get(status, "Error"),
                    "content": {"application/problem+json": {"schema": problem_ref}},
                    **({"headers": RETRY_AFTER} if status == 503 else {}),
                }
                for status in statuses
            },
        },
    }


def document() -> dict[str, Any]:
    """The document, built once per app: the operations cannot change while it runs."""
    cached = current_app.extensions.get("podium_openapi")
    if cached is None:
        cached = current_app.extensions["podium_openapi"] = build_document()
    return cached


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(document())


def type_name(schema: dict[str, Any]) -> str:
    """A JSON Schema as a short type for people: "string", "array of Money", "integer or null"."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " or ".join(type_name(member) for member in schema["anyOf"])
    if "enum" in schema:
        return "one of " + ", ".join(str(value) for value in schema["enum"])
    if "const" in schema:
        return repr(schema["const"])
    kind = schema.get("type", "any")
    if kind == "array":
        return "array of " + type_name(schema.get("items", {}))
    if kind == "object" and "additionalProperties" in schema:
        return "object of " + type_name(schema["additionalProperties"])
    return {"string": "date-time" if schema.get("format") == "date-time" else "string"}.get(kind, kind)


def limits(schema: dict[str, Any]) -> str:
    """The constraints a field states, e.g. "1 to 160 characters", "1 ≤ n ≤ 100"."""
    found = []
    if "minLength" in schema or "maxLength" in schema:
        found.append(f"{schema.get('minLength', 0)} to {schema.get('maxLength', '∞')} characters")
    if "minimum" in schema or "maximum" in schema:
        found.append(f"{schema.get('minimum', '-∞')} ≤ n ≤ {schema.get('maximum', '∞')}")
    if "minItems" in schema or "maxItems" in schema:
        found.append(f"{schema.get('minItems', 0)} to {schema.get('maxItems', '∞')} items")
    for member in schema.get("anyOf", ()):
        if member.get("type") != "null":
            found.append(limits(member))
    return "; ".join(part for part in found if part)


@bp.get("/docs")
def docs():
    spec = document()
    return render_template(
        "api/docs.html",
        spec=spec,
        introduction=render_markdown(spec["info"]["description"], heading_offset=1),
        operations=OPERATIONS,
        schemas=spec["components"]["schemas"],
        status_text=STATUS_TEXT,
        type_name=type_name,
        limits=limits,
    )
