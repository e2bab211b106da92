"""POST /mcp: the MCP Streamable HTTP transport, one JSON answer per POST, no sessions.

Served by the same gevent workers as the rest of the API. The MCP SDK's own server is
asyncio-based: inside a gevent worker, a second request starting its event loop while the
first one's ran failed with "Already running asyncio in this thread" (bench/mcp_sdk_in_gevent.py),
so the transport is this small synchronous view over the SDK's message models.
"""

from __future__ import annotations

from typing import Any

from flask import Response, request
from mcp_types import JSONRPCNotification, JSONRPCRequest
from mcp_types.jsonrpc import HEADER_MISMATCH, INVALID_PARAMS, INVALID_REQUEST
from pydantic import ValidationError

from app.api.hang_up import answer_only_while_wanted
from app.api.openapi_doc import api_blueprint, document_not_allowed
from app.mcp import error_handlers, methods
from app.mcp.incoming import read_message
from app.mcp.protocol import SUPPORTED_VERSIONS, Negotiated, RpcError, negotiate, unsupported_version
from app.mcp.replies import OUTCOMES, as_event_stream, json_response, record, rpc_error_response

bp = api_blueprint("mcp", __name__, "mcp")

_ROUTING_HEADERS = frozenset({"mcp-protocol-version", "mcp-method", "mcp-name"})

_JSON_RPC_BODY = {
    "application/json": {"schema": {"type": "object", "description": "A JSON-RPC 2.0 message."}},
    # To a client whose Accept takes only an event stream (replies.as_event_stream).
    "text/event-stream": {
        "schema": {"type": "string", "description": "One `message` event whose data is the JSON-RPC message."}
    },
}
# What a client sends: one request or notification (no batch). Described, not validated here:
# the view reads it itself and answers any mistake as a JSON-RPC error.
_JSON_RPC_MESSAGE = {
    "type": "object",
    "required": ["jsonrpc", "method"],
    "properties": {
        "jsonrpc": {"type": "string", "enum": ["2.0"]},
        "id": {"oneOf": [{"type": "string"}, {"type": "integer"}], "description": "absent in a notification"},
        "method": {"type": "string", "example": "tools/call"},
        "params": {"type": "object"},
    },
}
# Every status the endpoint answers with, for clients and fuzzers: a JSON-RPC object each time.
_RESPONSES: dict[int | str, Any] = {
    202: {"description": "A notification, accepted."},
    **{status: {"content": _JSON_RPC_BODY} for status in (200, 400, 403, 404, 406, 408, 413, 415, 429, 503)},
}


@bp.post(
    "/mcp",
    summary="Model Context Protocol (Streamable HTTP)",
    responses=_RESPONSES,
    openapi_extensions={
        "requestBody": {"required": True, "content": {"application/json": {"schema": _JSON_RPC_MESSAGE}}}
    },
    description=(
        "One JSON-RPC request or notification per POST, answered with one JSON object (notifications: "
        "`202`; to an `Accept` of `text/event-stream` alone, one SSE `message` event). Protocol revisions 2026-07-28 (per-request `_meta`, `server/discover`) and 2024-11-05 "
        "to 2025-11-25 (`initialize`). Tools `ask_question`, `assess_fit`; resources `profile://current`, "
        "`questions://suggested`. Tool calls are rate-limited per client like chat."
    ),
)
def mcp() -> Response:
    started = error_handlers.started()
    body = read_message()
    if not isinstance(body, dict) or "method" not in body:
        raise RpcError(INVALID_REQUEST, "The body must be one JSON-RPC request or notification object.")
    if "id" not in body:
        return _notification(body, started)
    try:
        message = JSONRPCRequest.model_validate(body)
    except ValidationError:
        return _invalid(body, started)
    return _request(message, started)


def _invalid(body: dict[str, Any], started: float) -> Response:
    # JSON-RPC 2.0 answers with a null id only when the id cannot be read: a client matches
    # the error of `{"id": 9, "params": [1]}` to its request 9.
    request_id = body.get("id")
    readable = isinstance(request_id, str | int) and not isinstance(request_id, bool)
    if readable and "params" in body and not isinstance(body["params"], dict):
        error = RpcError(INVALID_PARAMS, "Invalid params: params must be an object.")
    else:
        error = RpcError(INVALID_REQUEST, "The body is not a valid JSON-RPC request.")
    record("", OUTCOMES.get(error.code, "error"), started)
    return rpc_error_response(error, request_id if readable else None, error.http_status(modern=True))


def _notification(body: dict[str, Any], started: float) -> Response:
    try:
        notification = JSONRPCNotification.model_validate(body)
    except ValidationError:
        raise RpcError(INVALID_REQUEST, "The body is not a valid JSON-RPC notification.") from None
    header = request.headers.get("MCP-Protocol-Version")
    if header is not None and header not in SUPPORTED_VERSIONS:
        raise unsupported_version(header)  # as for a request: a 400, never a silent 202
    # Nothing to act on without sessions (cancellation is closing the connection): accept it.
    record(notification.method, "ok", started)
    accepted = Response(status=202)
    del accepted.headers["Content-Type"]  # an empty body of no type (Flask's default says HTML)
    return accepted


def _request(message: JSONRPCRequest, started: float) -> Response:
    negotiated: Negotiated | None = None
    try:
        negotiated = negotiate(message.method, message.params, _lower_headers())
        with answer_only_while_wanted():  # a tool call's answer is written once, at the end
            result = methods.answer(message.method, message.params, negotiated)
    except RpcError as error:
        modern = negotiated.modern if negotiated else True
        record(message.method, OUTCOMES.get(error.code, "error"), started, negotiated)
        return rpc_error_response(error, message.id, error.http_status(modern=modern))
    outcome = "tool_error" if result.get("isError") else "ok"
    record(message.method, outcome, started, negotiated, name=_name(message.params))
    return json_response({"jsonrpc": "2.0", "id": message.id, "result": result})


def _lower_headers() -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in request.headers.items():
        key = name.lower()
        if key in headers and key in _ROUTING_HEADERS:
            # A proxy reading the first copy and this server the last would disagree.
            raise RpcError(HEADER_MISMATCH, f"The {name} header appears more than once.")
        headers[key] = value
    return headers


def _name(params: dict[str, Any] | None) -> str:
    value = (params or {}).get("name") or (params or {}).get("uri")
    return value[:100] if isinstance(value, str) else ""


# Streamable HTTP clients try both; 405 tells them this server offers neither (answered by routing,
# as `{detail, code}` like any 405). Declared so a client generated from the document expects it.
document_not_allowed(
    bp,
    "/mcp",
    {
        "get": ("mcp_listen", "No stream of server-initiated messages: always 405."),
        "delete": ("mcp_end_session", "No sessions to end: always 405."),
    },
)
error_handlers.init_blueprint(bp)
bp.after_request(as_event_stream)
