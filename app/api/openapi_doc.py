"""The OpenAPI document's own rules, on top of what flask-openapi3 generates from the models."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response
from flask.blueprints import BlueprintSetupState
from flask_openapi3 import APIBlueprint, OpenAPI, Tag

from app.api.caching import REVALIDATED
from app.api.rate_limit import limited_endpoints

_VALIDATION_ERROR = "422"
# A client generated from the document reads only the headers it declares: the wait of a 429
# or 503 (app/errors.py) and the ETag a revalidated answer carries (app/api/caching.py).
_RETRY_AFTER = {
    "Retry-After": {
        "description": "Whole seconds to wait before asking again (always on a 429; on a 503 when known).",
        "schema": {"type": "integer", "minimum": 0},
    }
}
_ETAG = {
    "ETag": {"description": "Send it back as If-None-Match to get a 304 while unchanged.", "schema": {"type": "string"}}
}
_NOT_MODIFIED = {"description": "Not Modified: the copy named by If-None-Match is current (no body).", "headers": _ETAG}
_REVALIDATED_OPERATIONS = frozenset(endpoint.rpartition(".")[2] for endpoint in REVALIDATED)
# On every answer (app/api/trace_id.py), and on every answer the rate limit counted
# (app/api/rate_limit.py); declared once, referred to from each response.
_HEADERS: dict[str, Any] = {
    "X-Trace-ID": {
        "description": "This request's trace id: the client's own X-Trace-ID when sane, else a new one. "
        "Quote it when reporting a problem.",
        "required": True,
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,64}$"},
    },
    "X-RateLimit-Limit": {
        "description": "Requests this client may make a minute here (on every answer the limit counted).",
        "schema": {"type": "integer", "minimum": 1},
    },
    "X-RateLimit-Remaining": {
        "description": "Requests this client has left in the current minute.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "X-RateLimit-Reset": {
        "description": "When the window lets the next request in, in Unix epoch seconds.",
        "schema": {"type": "integer", "minimum": 0},
    },
}
_TRACE_ID = {"X-Trace-ID": {"$ref": "#/components/headers/X-Trace-ID"}}
_RATE_LIMIT = {name: {"$ref": f"#/components/headers/{name}"} for name in _HEADERS if name.startswith("X-RateLimit")}
_NOT_ALLOWED = "openapi_not_allowed"


def api_blueprint(name: str, import_name: str, tag: str, url_prefix: str | None = None) -> APIBlueprint:
    """Make a blueprint whose operations are documented under `tag`, with plain operation ids."""
    return APIBlueprint(
        name, import_name, url_prefix=url_prefix, abp_tags=[Tag(name=tag)], operation_id_callback=operation_id
    )


def operation_id(*, name: str = "", **_: Any) -> str:
    """Name an operation by its view function (`chat`, `assess_fit`, `feedback`...).

    The default joined blueprint, function, path and method (`chat_chat_chat_post`): clients
    generated from the document got those as their method names.
    """
    return name


class DocumentedApp(OpenAPI):
    """flask-openapi3's app, whose document claims no 422 an operation cannot answer, declares
    the headers clients act on, and whose OPTIONS answers claim no body type."""

    def make_default_options_response(self) -> Response:
        """Flask's answer to OPTIONS (an `Allow` header, or a CORS preflight once flask-cors adds
        to it) without its default `Content-Type: text/html` on the empty body."""
        response = super().make_default_options_response()
        del response.headers["Content-Type"]
        return response

    def generate_spec_json(self) -> None:
        """Generate the document, then correct the 422 the library adds to every operation.

        It adds an array of the error model to each operation that declares no 422 of its own:
        operations with neither body nor parameters never answer 422, and our 422 body is one
        error object, not an array.
        """
        super().generate_spec_json()
        paths = self.spec_json.setdefault("paths", {})
        for path, methods in self.extensions.get(_NOT_ALLOWED, {}).items():
            allowed = paths.get(path, {}).keys()
            for method, (operation_id, summary) in methods.items():
                paths.setdefault(path, {})[method] = _not_allowed(operation_id, summary, allowed)
        self.spec_json.setdefault("components", {})["headers"] = _HEADERS
        limited = {endpoint.rpartition(".")[2] for endpoint in limited_endpoints(self)}
        for path_item in paths.values():
            for operation in path_item.values():
                _correct_validation_error(operation)
                _declare_headers(operation, limited=operation.get("operationId") in limited)


def document_not_allowed(bp: Blueprint, path: str, methods: Mapping[str, tuple[str, str]]) -> None:
    """Describe the `405` that `path` answers to each of `methods` (method: operation id, summary),
    for a protocol whose clients try them (MCP's GET and DELETE)."""

    def record(state: BlueprintSetupState) -> None:
        state.app.extensions.setdefault(_NOT_ALLOWED, {}).setdefault(path, {}).update(methods)

    bp.record_once(record)


def _not_allowed(operation_id: str, summary: str, allowed: Any) -> dict[str, Any]:
    methods = ", ".join(sorted({"OPTIONS", *(method.upper() for method in allowed)}))
    return {
        "operationId": operation_id,
        "summary": summary,
        "responses": {
            "405": {
                "description": "Method Not Allowed, always: `Allow` names the methods the path answers.",
                "headers": {"Allow": {"schema": {"type": "string", "example": methods}}},
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
            }
        },
    }


def _correct_validation_error(operation: dict[str, Any]) -> None:
    responses = operation.get("responses", {})
    schema = responses.get(_VALIDATION_ERROR, {}).get("content", {}).get("application/json", {}).get("schema", {})
    if schema.get("type") != "array":
        return  # declared by the operation itself
    own_400 = responses.get("400", {}).get("content", {}).get("application/json", {}).get("schema")
    if own_400 is not None and own_400 != schema["items"]:
        del responses[_VALIDATION_ERROR]  # its errors have another shape (JSON-RPC): never this one
    elif operation.get("requestBody") or operation.get("parameters"):
        responses[_VALIDATION_ERROR]["content"]["application/json"]["schema"] = schema["items"]
    else:
        del responses[_VALIDATION_ERROR]


def _declare_headers(operation: dict[str, Any], *, limited: bool) -> None:
    """Declare the Retry-After of its 429 and 503, the ETag and 304 of a revalidated answer, and
    on every response the trace id (and, where the rate limit counts, its X-RateLimit-*)."""
    responses = operation.get("responses", {})
    for status in ("429", "503"):
        if status in responses:
            responses[status].setdefault("headers", {}).update(_RETRY_AFTER)
    if operation.get("operationId") in _REVALIDATED_OPERATIONS:
        responses["200"].setdefault("headers", {}).update(_ETAG)
        responses["304"] = {**_NOT_MODIFIED, "headers": dict(_ETAG)}
    for response in responses.values():
        response.setdefault("headers", {}).update({**_TRACE_ID, **(_RATE_LIMIT if limited else {})})
