"""One decorator declares an API operation: its route, what it reads and answers, and who may call it.

The same declaration registers the Flask route and feeds the OpenAPI document, so the description
cannot drift from the code: a handler that is not declared here has no route at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from types import UnionType
from typing import IO, Any, Union, get_args, get_origin

from flask import Response, jsonify, request
from flask_login import current_user
from pydantic import BaseModel, ValidationError

from app.api import bp
from app.api.converters import ALIAS_PATTERN, MAX_ID
from app.core.errors import PodiumError, Unauthenticated, ValidationFailed

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_RULE_PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>")
# Path parameter schemas by converter name, as the OpenAPI document states them.
PATH_SCHEMAS: dict[str, dict[str, Any]] = {
    "id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    "alias": {"type": "string", "pattern": f"^{ALIAS_PATTERN}$"},
}
PUBLIC, OPTIONAL, REQUIRED = "public", "optional", "required"
MULTIPART = "multipart/form-data"
FILE_PART = "file"


@dataclass(frozen=True)
class FileBody:
    """A file as the request body: sent raw with its own media type, or as the ``file`` part of a
    multipart form (what ``curl -F file=@…`` sends). The handler reads it as a binary stream."""

    media_type: str
    description: str


@dataclass(frozen=True)
class FileAnswer:
    """An answer that is a file rather than JSON; the handler returns the (streamed) Response."""

    media_type: str
    description: str


@dataclass(frozen=True)
class Operation:
    """What the OpenAPI document says about one method on one path."""

    method: str
    rule: str
    endpoint: str
    summary: str
    description: str
    tag: str
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    errors: tuple[int, ...]
    auth: str
    file_body: FileBody | None = None
    file_answer: FileAnswer | None = None

    @property
    def path(self) -> str:
        """The OpenAPI path: ``/api/v1/challenges/{challenge_id}``."""
        return bp.url_prefix + _RULE_PARAMETER.sub(r"{\2}", self.rule)

    @property
    def path_parameters(self) -> list[tuple[str, dict[str, Any]]]:
        return [(name, PATH_SCHEMAS[converter]) for converter, name in _RULE_PARAMETER.findall(self.rule)]

    @property
    def is_write(self) -> bool:
        return self.method not in SAFE_METHODS


OPERATIONS: list[Operation] = []


class BodyProblem(PodiumError):
    """The body is not JSON at all; distinct from a JSON body whose fields are wrong (422)."""

    status = 400
    title = "Malformed JSON"
    code = "malformed_json"


class UnsupportedMediaType(PodiumError):
    status = 415
    title = "Unsupported media type"
    code = "unsupported_media_type"


def _field_errors(error: ValidationError) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in error.errors(include_url=False, include_input=False):
        where = ".".join(str(part) for part in item["loc"]) or "body"
        found.setdefault(where, item["msg"])
    return found


def _summary(errors: dict[str, str]) -> str:
    listed = "; ".join(f"{where}: {message}" for where, message in list(errors.items())[:5])
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return f"{listed}{more}."


def read_body(model: type[BaseModel]) -> BaseModel:
    """The request's JSON body as ``model``; 415 for another media type, 400 for broken JSON,
    422 for a body of the wrong shape, 413 (from the request's size limit) for one too large."""
    if not request.mimetype or not (
        request.mimetype == "application/json" or request.mimetype.endswith("+json")
    ):
        raise UnsupportedMediaType("Send the body as JSON with Content-Type: application/json.")
    raw = request.get_data(cache=True)
    try:
        return model.model_validate_json(raw or b"")
    except ValidationError as error:
        if any(item["type"] == "json_invalid" for item in error.errors()):
            raise BodyProblem("The body is not valid JSON.") from None
        errors = _field_errors(error)
        raise ValidationFailed(
            "The body does not match the schema: " + _summary(errors), errors=errors, code="invalid_body"
        ) from None


def read_file(expected: FileBody) -> IO[bytes]:
    """The uploaded file as a binary stream, never read whole here: 415 for another media type,
    422 for a multipart form without its ``file`` part, 413 (from the size limit) for one too large."""
    if request.mimetype == MULTIPART:
        upload = request.files.get(FILE_PART)
        if upload is None:
            raise ValidationFailed(
                f"Send the file as the form's {FILE_PART!r} part.", field=FILE_PART, code="invalid_body"
            )
        return upload.stream
    if request.mimetype == expected.media_type:
        return request.stream
    raise UnsupportedMediaType(
        f"Send the file with Content-Type: {expected.media_type}, or as the {FILE_PART!r} part of "
        f"a {MULTIPART} form."
    )


def _is_list(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin in (Union, UnionType):
        return any(_is_list(member) for member in get_args(annotation))
    return origin is list


def read_query(model: type[BaseModel]) -> BaseModel:
    """The query string as ``model``: repeated names become lists where the model wants lists."""
    unknown = sorted(set(request.args) - set(model.model_fields))
    if unknown:
        errors = {name: "Unknown query parameter." for name in unknown}
        raise ValidationFailed(
            "Unknown query parameters: " + ", ".join(unknown) + ".", errors=errors, code="invalid_query"
        )
    data: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        if name not in request.args:
            continue
        values = request.args.getlist(name)
        data[name] = values if _is_list(field.annotation) else values[-1]
    try:
        return model.model_validate(data)
    except ValidationError as error:
        errors = _field_errors(error)
        raise ValidationFailed(
            "The query string is invalid: " + _summary(errors), errors=errors, code="invalid_query"
        ) from None


def signed_in_user():
    """The caller, or a 401 saying how to authenticate."""
    if not current_user.is_authenticated:
        raise Unauthenticated("Send an API token as 'Authorization: Bearer <token>', or sign in.")
    return current_user._get_current_object()


def _reply(result: Any, status: int) -> Response:
    if isinstance(result, Response):  # a file answer, already shaped by its handler
        return result
    headers: dict[str, str] = {}
    if isinstance(result, tuple):
        result, headers = result
    if result is None:
        return Response(status=204)
    response = jsonify(result.model_dump(mode="json"))
    response.status_code = status
    response.headers.update(headers)
    return response


def operation(
    method: str,
    rule: str,
    *,
    summary: str,
    tag: str,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    errors: tuple[int, ...] = (),
    auth: str = REQUIRED,
    file_body: FileBody | None = None,
    file_answer: FileAnswer | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare and route one API operation.

    The handler receives the path parameters, plus ``body`` and ``query`` as validated models when
    the operation has them, ``file`` (a binary stream) when it takes a file body, and the signed-in
    ``user`` unless the operation is public. It returns an Output model (or ``(model, headers)``),
    None for 204, or the Response itself when it answers with a file.
    """

    def decorate(handler: Callable[..., Any]) -> Callable[..., Any]:
        declared = Operation(
            method=method,
            rule=rule,
            endpoint=handler.__name__,
            summary=summary,
            description=(handler.__doc__ or "").strip(),
            tag=tag,
            body=body,
            query=query,
            response=response,
            status=status if response is not None or file_answer is not None else 204,
            errors=errors,
            auth=auth,
            file_body=file_body,
            file_answer=file_answer,
        )

        @wraps(handler)
        def view(**path_args: Any) -> Response:
            arguments = dict(path_args)
            if auth == REQUIRED:
                arguments["user"] = signed_in_user()
            elif auth == OPTIONAL:
                arguments["user"] = (
                    current_user._get_current_object() if current_user.is_authenticated else None
                )
            if query is not None:
                arguments["query"] = read_query(query)
            if body is not None:
                arguments["body"] = read_body(body)
            if file_body is not None:
                arguments["file"] = read_file(file_body)
            return _reply(handler(**arguments), declared.status)

        bp.add_url_rule(rule, endpoint=handler.__name__, view_func=view, methods=[method])
        OPERATIONS.append(declared)
        return handler

    return decorate
