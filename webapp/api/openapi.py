"""`GET /api/openapi.json`: the OpenAPI 3.1 document of the API, generated, never written.

It walks the app's URL map: every rule of the API blueprint, with the `@api_operation` its view
declares (a view without one makes building the document fail). Request and answer schemas are
pydantic's JSON schemas of the very models the views parse and answer with; the error body,
the token scheme, `Idempotency-Key` with its replay rules and the `ETag` polling are added
here once for every operation that has them.
"""

import re
from typing import Any

from flask import Flask, Response, current_app, jsonify
from pydantic import BaseModel, ConfigDict
from pydantic.json_schema import GenerateJsonSchema, models_json_schema
from werkzeug.routing import BaseConverter, IntegerConverter, Rule, ValidationError

from webapp.api import bp
from webapp.api.operations import Answer, Auth, Idempotency, Operation, api_operation, operation_of
from webapp.api.schemas import (
    CONFIGURED_MAX_ITEMS,
    MAX_ROW_ID,
    ApiModel,
    ErrorBody,
)
from webapp.idempotency.http import HEADER as IDEMPOTENCY_HEADER
from webapp.idempotency.http import REPLAY_HEADER
from webapp.idempotency.services import MAX_KEY_LENGTH

IGNORED_METHODS = {"HEAD", "OPTIONS"}
REF = "#/components/schemas/{model}"
CACHE_KEY = "roadpass.openapi"

SECURITY_SCHEMES = {
    Auth.BEARER: (
        "bearerToken",
        {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token (`rp_...`): `flask users token EMAIL` or "
            "/account/tokens. Only its hash is stored; revoking it ends it at once.",
        },
    ),
    Auth.JOBS: (
        "jobsSecret",
        {
            "type": "apiKey",
            "in": "header",
            "name": "X-Jobs-Secret",
            "description": "The operator's shared JOBS_SECRET, for schedulers.",
        },
    ),
    Auth.WEBHOOK: (
        "flutterwaveHash",
        {
            "type": "apiKey",
            "in": "header",
            "name": "verif-hash",
            "description": "Flutterwave's secret hash (or `flutterwave-signature`, the base64 "
            "HMAC-SHA256 of the body with it).",
        },
    ),
}

COMMON_ERRORS = {
    401: "no token, or one that is unknown or revoked (`UNAUTHENTICATED`, `INVALID_TOKEN`)",
    422: "a field is missing or wrong (`VALIDATION_ERROR`): `details` names each field",
    429: "too many attempts (`RATE_LIMITED`); `Retry-After` says how many seconds to wait",
    503: "the seats are being fought over right now (`BUSY_RETRY`): retry in a moment",
}

IDEMPOTENCY_TEXT = (
    "A unique value per operation (a UUID), up to {length} printable characters, scoped to "
    "the caller. Sending the same key with the same method, path and body again replays the "
    "first answer (with `Idempotent-Replayed: true`) instead of doing the work twice; while "
    "the first request is still running the answer is 409 `REQUEST_IN_PROGRESS`; the same key "
    "with another body is 422 `IDEMPOTENCY_KEY_REUSED`. Refusals by validation (4xx other "
    "than 409) are not stored, so the key can be used again after fixing the request. Keys "
    "are kept for 24 hours."
)


class OpenApiDocument(ApiModel):
    """This document."""

    model_config = ConfigDict(extra="allow")

    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]


class _NoFieldTitles(GenerateJsonSchema):
    """Model titles stay (they name the components); "Tripid"-style field titles go."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


def document(app: Flask) -> dict[str, Any]:
    """The document for `app`, built once per app (its routes and settings are fixed)."""
    if CACHE_KEY not in app.extensions:
        app.extensions[CACHE_KEY] = _build(app)
    return app.extensions[CACHE_KEY]


def path_of(rule: Rule) -> str:
    """`/api/trips/<int:trip_id>/seats` as the document writes it: `/api/trips/{tripId}/seats`."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: "{" + _camel(m.group(1)) + "}", rule.rule)


def api_rules(app: Flask) -> list[Rule]:
    prefix = f"{bp.name}."
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith(prefix)]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _build(app: Flask) -> dict[str, Any]:
    operations: list[tuple[Rule, str, Operation]] = []
    for rule in sorted(api_rules(app), key=lambda r: r.rule):
        operation = operation_of(app.view_functions[rule.endpoint])
        if operation is None:
            raise LookupError(f"{rule.rule} ({rule.endpoint}) has no @api_operation")
        for method in sorted(set(rule.methods or ()) - IGNORED_METHODS):
            operations.append((rule, method, operation))

    schemas = _component_schemas(operation for _, _, operation in operations)
    paths: dict[str, dict[str, Any]] = {}
    for rule, method, operation in operations:
        paths.setdefault(path_of(rule), {})[method.lower()] = _operation(
            rule, method, operation, schemas
        )
    used_auth = {operation.auth for _, _, operation in operations} - {Auth.NONE}
    doc = {
        "openapi": "3.1.0",
        "info": {
            "title": "Roadpass API",
            "version": "1",
            "summary": "Intercity bus seats: search trips, hold seats, pay, cancel.",
            "description": "For partner apps (kiosks, travel apps). JSON in and out, camelCase "
            "keys, money as integer kobo with a currency code, times in Lagos time "
            "(ISO 8601 with the offset). The guide is docs/api.md in the repository.",
        },
        "servers": [{"url": "/"}],
        "tags": [{"name": tag} for tag in sorted({op.tag for _, _, op in operations})],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": dict(SECURITY_SCHEMES[auth] for auth in sorted(used_auth)),
        },
    }
    return _apply_settings(doc, app.config)


def _component_schemas(operations: Any) -> dict[str, Any]:
    models: dict[type[BaseModel], None] = {ErrorBody: None}
    for operation in operations:
        for model in (operation.body, operation.query):
            if model is not None:
                models[model] = None
        for answer in operation.responses.values():
            if answer.model is not None:
                models[answer.model] = None
    _, defs = models_json_schema(
        [(model, "validation") for model in models],
        ref_template=REF,
        schema_generator=_NoFieldTitles,
    )
    return defs.get("$defs", {})


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _operation(
    rule: Rule, method: str, operation: Operation, schemas: dict[str, Any]
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "operationId": rule.endpoint.removeprefix(f"{bp.name}."),
        "summary": operation.summary,
        "tags": [operation.tag],
        "security": _security(operation.auth),
    }
    if operation.description:
        spec["description"] = operation.description
    parameters = _path_parameters(rule, operation) + _query_parameters(operation, schemas)
    parameters += _header_parameters(operation)
    if parameters:
        spec["parameters"] = parameters
    if operation.body is not None:
        content: dict[str, Any] = {"schema": _ref(operation.body)}
        if operation.body_example is not None:
            content["example"] = operation.body_example
        spec["requestBody"] = {
            "required": operation.body_required,
            "content": {"application/json": content},
        }
    spec["responses"] = _responses(rule, operation)
    for status, links in operation.links.items():
        spec["responses"][str(status)]["links"] = links
    return spec


def _security(auth: Auth) -> list[dict[str, list]]:
    if auth == Auth.NONE:
        return []
    return [{SECURITY_SCHEMES[auth][0]: []}]


def _path_parameters(rule: Rule, operation: Operation) -> list[dict[str, Any]]:
    parameters = []
    for name, converter in rule._converters.items():  # werkzeug's map of the rule's arguments
        schema: dict[str, Any] | None = getattr(converter, "schema", None)  # ours say it
        if schema is None and _gives_integers(converter):
            schema = {"type": "integer", "minimum": 1, "maximum": MAX_ROW_ID}
        parameter = {
            "name": _camel(name),
            "in": "path",
            "required": True,
            "schema": schema or {"type": "string", "minLength": 1},
        }
        if name in operation.path_examples:
            parameter["example"] = operation.path_examples[name]
        parameters.append(parameter)
    return parameters


def _gives_integers(converter: BaseConverter) -> bool:
    """`<int:...>`, or any converter that turns digits into an int (a row id)."""
    if isinstance(converter, IntegerConverter):
        return True
    try:
        return isinstance(converter.to_python("1"), int)
    except (ValueError, TypeError, ValidationError):
        return False


def _query_parameters(operation: Operation, schemas: dict[str, Any]) -> list[dict[str, Any]]:
    if operation.query is None:
        return []
    model_schema = schemas[operation.query.__name__]
    required = set(model_schema.get("required", ()))
    parameters = []
    for name, prop in model_schema["properties"].items():
        schema = dict(prop)
        # An optional parameter is left out, never sent as null.
        variants = [v for v in schema.pop("anyOf", ()) if v.get("type") != "null"]
        if variants:
            schema.update(variants[0])
        schema.pop("default", None)
        example = (schema.pop("examples", None) or [None])[0]
        parameter: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": schema,
        }
        if "description" in schema:
            parameter["description"] = schema.pop("description")
        if example is not None:
            parameter["example"] = example
        parameters.append(parameter)
    return parameters


def _header_parameters(operation: Operation) -> list[dict[str, Any]]:
    headers = []
    if operation.idempotency != Idempotency.NONE:
        headers.append(
            {
                "name": IDEMPOTENCY_HEADER,
                "in": "header",
                "required": operation.idempotency == Idempotency.REQUIRED,
                "description": IDEMPOTENCY_TEXT.format(length=MAX_KEY_LENGTH),
                "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": MAX_KEY_LENGTH,
                    "pattern": r"^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$",
                },
                "example": "5f0c7d52-3b8e-4a53-9a36-7f5d0f6c2a11",
            }
        )
    if operation.etag:
        headers.append(
            {
                "name": "If-None-Match",
                "in": "header",
                "required": False,
                "description": "The `ETag` of the last answer: 304 with no body while nothing "
                "has changed.",
                "schema": {"type": "string"},
            }
        )
    return headers


def _responses(rule: Rule, operation: Operation) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status, answer in sorted(operation.responses.items()):
        responses[str(status)] = _success(answer, operation)
    if operation.etag:
        responses["304"] = {
            "description": "unchanged since the `ETag` sent in `If-None-Match`",
            "headers": {"ETag": _etag_header()},
        }
    errors = dict(operation.errors)
    if operation.auth != Auth.NONE:
        errors.setdefault(401, COMMON_ERRORS[401] if operation.auth == Auth.BEARER else "")
        errors[401] = errors[401] or "the secret is missing or wrong"
    if operation.body or operation.query or operation.idempotency != Idempotency.NONE:
        errors.setdefault(422, COMMON_ERRORS[422])
    if rule.arguments:
        errors.setdefault(404, "nothing by that id")
    if operation.body is not None:
        errors.setdefault(413, "the body is larger than the API takes (`PAYLOAD_TOO_LARGE`)")
        errors.setdefault(415, "the body is not JSON (`UNSUPPORTED_MEDIA_TYPE`)")
    if operation.rate_limited:
        errors.setdefault(429, COMMON_ERRORS[429])
    if operation.auth == Auth.BEARER:
        errors.setdefault(503, COMMON_ERRORS[503])
    if operation.idempotency != Idempotency.NONE:
        errors.setdefault(
            400, f"the `{IDEMPOTENCY_HEADER}` is not 1 to {MAX_KEY_LENGTH} printable characters"
        )
        errors[409] = _joined(
            errors.get(409), "this key's first request is still running (`REQUEST_IN_PROGRESS`)"
        )
        errors[422] = _joined(
            errors[422], "this key was used with another request (`IDEMPOTENCY_KEY_REUSED`)"
        )
    for status, description in sorted(errors.items()):
        response: dict[str, Any] = {
            "description": description,
            "content": {"application/json": {"schema": _ref(ErrorBody)}},
        }
        if status == 429:
            response["headers"] = {
                "Retry-After": {"description": "seconds", "schema": {"type": "string"}}
            }
        responses[str(status)] = response
    return responses


def _joined(first: str | None, second: str) -> str:
    return f"{first}; or {second}" if first else second


def _success(answer: Answer, operation: Operation) -> dict[str, Any]:
    content: dict[str, Any] = {}
    if answer.model is not None:
        media: dict[str, Any] = {"schema": _ref(answer.model)}
        if answer.example is not None:
            media["example"] = answer.example
        content["application/json"] = media
    response: dict[str, Any] = {"description": answer.description}
    if content:
        response["content"] = content
    headers: dict[str, Any] = {}
    if operation.etag:
        headers["ETag"] = _etag_header()
    if operation.idempotency != Idempotency.NONE:
        headers[REPLAY_HEADER] = {
            "description": "`true` when this is the stored answer of an earlier request "
            f"with the same `{IDEMPOTENCY_HEADER}`",
            "schema": {"type": "string", "enum": ["true"]},
        }
    if headers:
        response["headers"] = headers
    return response


def _etag_header() -> dict[str, Any]:
    return {
        "description": "send it back in `If-None-Match` when polling",
        "required": True,
        "schema": {"type": "string"},
    }


def _apply_settings(node: Any, config: Any) -> Any:
    """Limits the app reads from its settings (MAX_SEATS_PER_BOOKING) written in as numbers."""
    if isinstance(node, dict):
        node = {key: _apply_settings(value, config) for key, value in node.items()}
        if CONFIGURED_MAX_ITEMS in node:
            node["maxItems"] = config[node.pop(CONFIGURED_MAX_ITEMS)]
        return node
    if isinstance(node, list):
        return [_apply_settings(item, config) for item in node]
    return node


@bp.get("/openapi.json")
@api_operation(
    summary="This document",
    tag="Documentation",
    auth=Auth.NONE,
    responses={200: Answer(OpenApiDocument, "the OpenAPI 3.1 document of the API")},
)
def openapi_document() -> tuple[Response, int]:
    response = jsonify(document(current_app._get_current_object()))  # type: ignore[attr-defined]
    response.headers["Cache-Control"] = "public, max-age=300"
    return response, 200
