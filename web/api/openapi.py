"""The OpenAPI 3.1 document of the API, made from the registered operations and the JSON schemas pydantic makes of
their bodies: nothing is described by hand that the code does not also check."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from web.api import schemas
from web.api.core import DESCRIPTIONS, OPERATIONS, PREFIX, Operation, operation, path_parameters
from web.catalog import get_catalog

TITLE = "imready API"
VERSION = "1"
REF = "#/components/schemas/{model}"
DESCRIPTION = """Intelligent-manufacturing readiness assessments for manufacturing SMEs: questionnaires, enterprises,
assessments (create, answer, submit), scored results, comparisons with a cohort, and the agencies' regional
statistics.

Every operation but this document needs a token: `Authorization: Bearer <token>`. An administrator makes one with
`flask users token EMAIL --name NAME`; it acts as that user, with the same rights as on the pages: an enterprise
user sees its own enterprise, a consultant its clients, an agency analyst the aggregates of its jurisdiction only,
an administrator everything. What is seen, exported or changed of an enterprise's data is written to the audit log.

Errors are `{"error": {"code": ..., "message": ..., "fields": {...}}}`; `fields` names, per field or question
id, what is wrong. Statistics of a group of fewer than k enterprises (and those that would let one be worked out)
are never given: they are null, with the reason."""


def openapi_path(rule: str) -> str:
    """A Flask rule as an OpenAPI path: `<int:id>` becomes `{id}`."""
    for name, converter in path_parameters(rule):
        rule = rule.replace(f"<{converter}:{name}>", f"{{{name}}}").replace(f"<{name}>", f"{{{name}}}")
    return PREFIX + rule


def _models() -> list[type[BaseModel]]:
    found = [schemas.Error]
    for op in OPERATIONS:
        for model in (op.body, op.response):
            if model is not None and model not in found:
                found.append(model)
    return found


def _without_titles(schema: Any) -> Any:
    """pydantic's generated titles ("Name", "Region Code") say nothing the property names do not."""
    if isinstance(schema, dict):
        return {key: _without_titles(value) for key, value in schema.items()
                if not (key == "title" and isinstance(value, str))}
    if isinstance(schema, list):
        return [_without_titles(value) for value in schema]
    return schema


def _parameters(op: Operation) -> list[dict]:
    parameters = []
    for name, converter in path_parameters(op.rule):
        if converter == "int":
            schema = {"type": "integer", "minimum": 1, "maximum": schemas.MAX_ID}
        else:
            schema = {"type": "string", "minLength": 1, "maxLength": 64, "pattern": r"^[a-z][a-z0-9_]*$"}
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    if op.query is not None:
        query = _without_titles(op.query.model_json_schema(ref_template=REF))
        for name, schema in query["properties"].items():
            description = schema.pop("description", None)
            schema = _not_null(schema)
            parameter = {"name": name, "in": "query", "required": name in query.get("required", ()),
                         "schema": schema}
            if description:
                parameter["description"] = description
            if schema.get("type") == "array":
                parameter.update(style="form", explode=True)
            parameters.append(parameter)
    return parameters


def _not_null(schema: dict) -> dict:
    """A query parameter is left out rather than null: `anyOf [X, null]` becomes X."""
    choices = [choice for choice in schema.get("anyOf", ()) if choice.get("type") != "null"]
    if "anyOf" not in schema or len(choices) != 1:
        return schema
    rest = {key: value for key, value in schema.items() if key not in ("anyOf", "default")}
    return {**choices[0], **rest}


def _json(model: type[BaseModel] | None) -> dict:
    schema = {"$ref": REF.format(model=model.__name__)} if model is not None else {"type": "object"}
    return {"application/json": {"schema": schema}}


def _operation(op: Operation) -> dict:
    described: dict[str, Any] = {"operationId": op.endpoint.split(".")[-1], "summary": op.summary}
    if op.description:
        described["description"] = op.description
    if op.roles is None:
        described["security"] = []
    elif op.roles:
        described["description"] = (described.get("description", "") + f"\n\nRoles: {', '.join(op.roles)}.").strip()
    if op.tag:
        described["tags"] = [op.tag]
    parameters = _parameters(op)
    if parameters:
        described["parameters"] = parameters
    if op.body is not None:
        described["requestBody"] = {"required": True, "content": _json(op.body)}
    success: dict[str, Any] = {"description": "OK" if op.status == 200 else "Created", "content": _json(op.response)}
    if op.status == 201:
        success["headers"] = {"Location": {"description": "The URL of what was made", "required": True,
                                           "schema": {"type": "string"}}}
    responses = {str(op.status): success}
    for status in op.errors:
        responses[str(status)] = {"description": DESCRIPTIONS.get(status, "Error"), "content": _json(schemas.Error)}
    described["responses"] = responses
    return described


def openapi_document(questionnaire_ids: list[str] | None = None) -> dict:
    """The whole document; `questionnaire_ids` (those the app offers) become the allowed values of the
    parameters and fields that name a questionnaire."""
    _, definitions = models_json_schema([(model, "validation") for model in _models()], ref_template=REF)
    components = _without_titles(definitions.get("$defs", {}))
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        paths.setdefault(openapi_path(op.rule), {})[op.method.lower()] = _operation(op)
    if questionnaire_ids:
        components["AssessmentCreate"]["properties"]["questionnaire_id"]["enum"] = list(questionnaire_ids)
        for item in paths.values():
            for described in item.values():
                for parameter in described.get("parameters", ()):
                    if parameter["name"] in ("questionnaire_id", "questionnaire"):
                        parameter["schema"]["enum"] = list(questionnaire_ids)
    return {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": VERSION, "description": DESCRIPTION},
        "tags": [{"name": "questionnaires"}, {"name": "enterprises"}, {"name": "assessments"},
                 {"name": "results"}, {"name": "regions"}, {"name": "meta"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "A token from `flask users token EMAIL --name NAME`."}},
        },
        "security": [{"bearerAuth": []}],
    }


@operation("GET", "/openapi.json", summary="This document", roles=None, tag="meta")
def openapi():
    """The OpenAPI 3.1 description of the API (no token needed)."""
    return openapi_document(get_catalog().ids())
