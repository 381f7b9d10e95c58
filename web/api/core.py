"""The API's plumbing: the blueprint, token authentication, roles, JSON errors, and `operation`, which registers a
view together with what the OpenAPI document says about it (its bodies, parameters and answers)."""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps
from typing import Any

from flask import Blueprint, Response, current_app, g, request
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import HTTPException, default_exceptions

from storage.accounts import audit as audit_event
from storage.db import get_session
from storage.tables import ROLES, User
from storage.tokens import user_for_token
from web.api.schemas import MAX_ID

PREFIX = "/api/v1"
bp = Blueprint("api", __name__, url_prefix=PREFIX)

OWN_DATA = ("enterprise", "consultant", "admin")  # the roles that see single enterprises (agencies see aggregates)
STATISTICS = ("agency", "admin")


def timestamp(moment: datetime | None) -> str | None:
    """A stored time as ISO 8601 with its zone (UTC; SQLite hands it back without one)."""
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()

# The `code` of each error status, unless a view gives a more precise one.
STATUS_CODES = {400: "invalid_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                405: "method_not_allowed", 413: "too_large", 422: "unprocessable", 500: "server_error"}
DESCRIPTIONS = {
    400: "The request does not match this document (the fields say where).",
    401: "No token, or not a valid one: send `Authorization: Bearer <token>`.",
    403: "The token's role may not do this.",
    404: "No such thing, or not one this token's user may see.",
    422: "The request is well formed but cannot be carried out (the fields say why).",
}


class ApiError(Exception):
    """An error answered as `{"error": {"code", "message", "fields"}}` with an HTTP status."""

    def __init__(self, status: int, message: str, *, code: str | None = None, fields: dict[str, str] | None = None,
                 headers: dict[str, str] | None = None):  # fmt: skip
        super().__init__(message)
        self.status = status
        self.code = code or STATUS_CODES.get(status, "error")
        self.message = message
        self.fields = fields or {}
        self.headers = headers or {}


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """JSON in the order the data has it (Flask's own JSON would sort the keys)."""
    return current_app.response_class(json.dumps(data, ensure_ascii=False), status=status, headers=headers,
                                      mimetype="application/json")


def error_response(error: ApiError) -> Response:
    body = {"error": {"code": error.code, "message": error.message, "fields": error.fields}}
    return json_response(body, error.status, error.headers)


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    return error_response(error)


def _http_error(error: HTTPException):
    headers = {"Allow": ", ".join(error.valid_methods)} if getattr(error, "valid_methods", None) else None
    return error_response(ApiError(error.code or 500, error.description or error.name, headers=headers))


# Handlers per status: the app's own error pages are registered per status too, and Flask asks those first.
for _code in default_exceptions:
    bp.register_error_handler(_code, _http_error)


def routing_error() -> Response | None:
    """A JSON answer for a URL under the API that matches no route (404) or not with this method (405).

    Registered on the app (see `init_app`): such requests belong to no blueprint, so the app's HTML pages would
    answer them."""
    error = request.routing_exception
    if not isinstance(error, HTTPException) or (error.code or 0) < 400:
        return None
    if request.path != PREFIX and not request.path.startswith(PREFIX + "/"):
        return None
    return _http_error(error)


# ---- who is asking


def api_user() -> User:
    """The user of the request's token."""
    return g.api_user


def _authenticate() -> None:
    """Every API request but those of public operations needs a valid token; browser sessions do not count."""
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "public", False):
        return
    challenge = {"WWW-Authenticate": 'Bearer realm="imready"'}
    kind, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    if kind.lower() != "bearer" or not token.strip():
        raise ApiError(401, "Send a token: 'Authorization: Bearer <token>'.", headers=challenge)
    user = user_for_token(session=get_session(), token=token.strip())
    if user is None:
        raise ApiError(401, "The token is not valid (unknown, or its account is deactivated).",
                       headers={"WWW-Authenticate": 'Bearer realm="imready", error="invalid_token"'})
    g.api_user = user


bp.before_request(_authenticate)


def audit(action: str, *, enterprise_id: int | None = None, assessment_id: int | None = None, detail: str = ""):
    """Add what the token's user did to the audit log, as the pages do (marked as done through the API)."""
    audit_event(session=get_session(), user=api_user(), action=action, enterprise_id=enterprise_id,
                assessment_id=assessment_id, detail=f"{detail} (API)", address=request.remote_addr or "")


def check_id(value: int) -> int:
    """A path id the database can hold; larger ones name nothing (404)."""
    if not 1 <= value <= MAX_ID:
        raise ApiError(404, "No such id.")
    return value


# ---- operations


def path_parameters(rule: str) -> list[tuple[str, str]]:
    """(name, converter) of each variable of a Flask rule, in order."""
    return [(name, converter or "string") for converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", rule)]


@dataclass(frozen=True)
class Operation:
    """One method on one path, as the OpenAPI document describes it."""

    method: str
    rule: str  # the Flask rule, relative to PREFIX
    endpoint: str
    summary: str
    description: str
    roles: tuple[str, ...] | None  # None: public, no token needed
    response: type[BaseModel] | None
    status: int
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    errors: tuple[int, ...]  # the error statuses it may answer with
    tag: str


OPERATIONS: list[Operation] = []


def validation_fields(error: ValidationError) -> dict[str, str]:
    """pydantic's errors as {field path: message}."""
    fields: dict[str, str] = {}
    for problem in error.errors(include_url=False):
        where = ".".join(str(part) for part in problem["loc"]) or "body"
        fields.setdefault(where, "unknown field" if problem["type"] == "extra_forbidden" else problem["msg"])
    return fields


def _parse_body(model: type[BaseModel]) -> BaseModel:
    if request.mimetype != "application/json":
        raise ApiError(400, "Send the body as JSON (Content-Type: application/json).", fields={"body": "not JSON"})
    try:
        return model.model_validate_json(request.get_data())
    except ValidationError as error:
        raise ApiError(400, "The body is not valid.", fields=validation_fields(error)) from None


def _parse_query(model: type[BaseModel]) -> BaseModel:
    values: dict[str, Any] = {}
    for name in request.args:
        field = model.model_fields.get(name)
        many = field is not None and getattr(field.annotation, "__origin__", None) is list
        values[name] = request.args.getlist(name) if many else request.args.get(name)
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise ApiError(400, "The query parameters are not valid.", fields=validation_fields(error)) from None


def operation(method: str, rule: str, *, summary: str, roles: Iterable[str] | None = ROLES,
              response: type[BaseModel] | None = None, status: int = 200, body: type[BaseModel] | None = None,
              query: type[BaseModel] | None = None, errors: Iterable[int] = (), tag: str = "") -> Callable:  # fmt: skip
    """Register a view for one method on one rule, with what the OpenAPI document says about it.

    `roles` None makes it public (no token). The view gets the path's variables, `body=` and `query=` (validated
    models) when declared, and returns the response data (checked against `response` before it is sent) or a
    (data, headers) pair. The error statuses every such view may answer with are added to `errors`."""
    roles = tuple(roles) if roles is not None else None
    ids = [name for name, converter in path_parameters(rule) if converter == "int"]
    declared = set(errors)
    declared |= {400} if body is not None or query is not None else set()
    declared |= {404} if ids else set()
    if roles is not None:
        declared |= {401} | ({403} if set(roles) != set(ROLES) else set())

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(**kwargs):
            if roles is not None and api_user().role not in roles:
                raise ApiError(403, f"An account of the role {api_user().role} may not do this.")
            for name in ids:
                check_id(kwargs[name])
            if body is not None:
                kwargs["body"] = _parse_body(body)
            if query is not None:
                kwargs["query"] = _parse_query(query)
            data = view(**kwargs)
            data, headers = data if isinstance(data, tuple) else (data, None)
            if response is not None:
                response.model_validate(data)  # what the document promises, or a server error here, not later
            return json_response(data, status, headers)

        wrapped.roles = roles or ()  # read by the route-by-role test
        wrapped.public = roles is None
        OPERATIONS.append(Operation(
            method=method.upper(), rule=rule, endpoint=f"{bp.name}.{view.__name__}", summary=summary,
            description=inspect.cleandoc(view.__doc__ or ""), roles=roles, response=response, status=status, body=body,
            query=query, errors=tuple(sorted(declared)), tag=tag))
        bp.add_url_rule(rule, view.__name__, wrapped, methods=[method.upper()])
        return wrapped

    return decorate
