"""POST /mcp: the MCP Streamable HTTP transport, one JSON answer per POST, no sessions.

Served by the same gevent workers as the rest of the API. The MCP SDK's own server is
asyncio-based: inside a gevent worker, a second request starting its event loop while the
first one's ran failed with "Already running asyncio in this thread" (bench/mcp_sdk_in_gevent.py),
so the transport is this small synchronous view over the SDK's message models.
"""

from __future__ import annotations

import time
from typing import Any

import structlog
from flask import Response, g, request
from mcp_types import JSONRPCNotification, JSONRPCRequest
from mcp_types.jsonrpc import HEADER_MISMATCH, INTERNAL_ERROR, INVALID_REQUEST
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from app.api.hang_up import ClientGone, client_gone_response, stop_if_client_leaves
from app.api.openapi_doc import api_blueprint
from app.api.rate_limit import seconds_until_allowed
from app.errors import PayloadTooLarge, RateLimited
from app.mcp import methods
from app.mcp.incoming import ForbiddenOrigin, read_message
from app.mcp.protocol import SUPPORTED_VERSIONS, Negotiated, RpcError, negotiate, unsupported_version
from app.mcp.replies import OUTCOMES, RATE_LIMITED_CODE, json_response, record, rpc_error_response
from app.telemetry.metrics import RATE_LIMITED

log = structlog.get_logger(__name__)

bp = api_blueprint("mcp", __name__, "mcp")

_ROUTING_HEADERS = frozenset({"mcp-protocol-version", "mcp-method", "mcp-name"})

_JSON_RPC_BODY = {"application/json": {"schema": {"type": "object", "description": "A JSON-RPC 2.0 message."}}}
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
    **{status: {"content": _JSON_RPC_BODY} for status in (200, 400, 403, 404, 406, 413, 415, 429)},
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
        "`202`). Protocol revisions 2026-07-28 (per-request `_meta`, `server/discover`) and 2024-11-05 "
        "to 2025-11-25 (`initialize`). Tools `ask_question`, `assess_fit`; resources `profile://current`, "
        "`questions://suggested`. Tool calls are rate-limited per client like chat."
    ),
)
def mcp() -> Response:
    started = _started()
    body = read_message()
    if not isinstance(body, dict) or "method" not in body:
        raise RpcError(INVALID_REQUEST, "The body must be one JSON-RPC request or notification object.")
    if "id" not in body:
        return _notification(body, started)
    try:
        message = JSONRPCRequest.model_validate(body)
    except ValidationError:
        raise RpcError(INVALID_REQUEST, "The body is not a valid JSON-RPC request.") from None
    return _request(message, started)


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
        with stop_if_client_leaves():  # a tool call's answer is written once, at the end
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


@bp.before_request
def _start_clock() -> None:
    g.mcp_started = time.perf_counter()


def _started() -> float:
    """When this request reached the endpoint: its handlers and error handlers time it from there."""
    # A 429 raised by the rate limiter comes before the clock starts: it took no time of ours.
    started: float | None = g.get("mcp_started")
    return started if started is not None else time.perf_counter()


@bp.errorhandler(RpcError)
def _transport_error(error: RpcError) -> Response:
    # Raised before the request could be read: there is no id to answer.
    record("", OUTCOMES.get(error.code, "error"), _started())
    return rpc_error_response(error, None, error.http_status(modern=True))


@bp.errorhandler(ForbiddenOrigin)
def _forbidden(_error: ForbiddenOrigin) -> Response:
    record("", "forbidden_origin", _started())
    return rpc_error_response(RpcError(INVALID_REQUEST, "This Origin may not use the MCP endpoint."), None, 403)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    # 413 (body too large) and 429 (rate limit) keep their status, with a JSON-RPC body the
    # client can show instead of a generic transport failure.
    status = error.code or 500
    if status == 429:
        RATE_LIMITED.inc()
        wait = seconds_until_allowed()  # in the body too: the SDKs show clients no HTTP header
        rpc = RpcError(RATE_LIMITED_CODE, RateLimited.detail, {"retry_after": wait} if wait else None)
    elif status == 413:
        rpc = RpcError(INVALID_REQUEST, PayloadTooLarge.detail)
    else:
        rpc = RpcError(INVALID_REQUEST, error.description or error.name)
    record("", OUTCOMES.get(rpc.code, "error"), _started())
    response = rpc_error_response(rpc, _request_id() if status == 429 else None, status)
    for name, value in error.get_headers():
        if name.lower() == "retry-after":
            response.headers[name] = value
    return response


def _request_id() -> Any:
    """The id of a tool call refused by the rate limit (which read the body to see that it calls a
    tool), so the client can match the error to its call."""
    body = g.get("mcp_body")
    request_id = body.get("id") if isinstance(body, dict) else None
    return request_id if isinstance(request_id, str | int) and not isinstance(request_id, bool) else None


# Before the catch-all below (a blueprint's handlers come first, whatever the app registered).
bp.register_error_handler(ClientGone, client_gone_response)


@bp.errorhandler(Exception)
def _unexpected(error: Exception) -> Response:
    log.exception("mcp.unhandled_error", error_type=type(error).__name__)
    record("", OUTCOMES[INTERNAL_ERROR], _started())
    return rpc_error_response(RpcError(INTERNAL_ERROR, "An unexpected error occurred."), None, 500)
