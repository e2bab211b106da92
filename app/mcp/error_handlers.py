"""How /mcp answers what went wrong: a JSON-RPC error object with the right HTTP status.

The app's own handlers answer `{detail, code}`; a blueprint's handlers come first, so every
failure on this endpoint, down to a body that never arrived, answers as JSON-RPC instead.
"""

from __future__ import annotations

import time
from typing import Any

import structlog
from flask import Blueprint, Response, g
from mcp_types.jsonrpc import INTERNAL_ERROR, INVALID_REQUEST
from werkzeug.exceptions import HTTPException

from app.api.hang_up import ClientGone, client_gone_response
from app.api.rate_limit import seconds_until_allowed
from app.errors import PayloadTooLarge, RateLimited, ServiceError, retry_after_seconds
from app.mcp.incoming import ForbiddenOrigin
from app.mcp.protocol import RpcError
from app.mcp.replies import OUTCOMES, RATE_LIMITED_CODE, record, rpc_error_response
from app.telemetry.metrics import RATE_LIMITED

log = structlog.get_logger(__name__)


def _start_clock() -> None:
    g.mcp_started = time.perf_counter()


def started() -> float:
    """When this request reached the endpoint: its handlers and error handlers time it from there."""
    # A 429 raised by the rate limiter comes before the clock starts: it took no time of ours.
    started: float | None = g.get("mcp_started")
    return started if started is not None else time.perf_counter()


def _transport_error(error: RpcError) -> Response:
    # Raised before the request could be read: there is no id to answer.
    record("", OUTCOMES.get(error.code, "error"), started())
    return rpc_error_response(error, None, error.http_status(modern=True))


def _forbidden(_error: ForbiddenOrigin) -> Response:
    record("", "forbidden_origin", started())
    return rpc_error_response(RpcError(INVALID_REQUEST, "This Origin may not use the MCP endpoint."), None, 403)


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
    record("", OUTCOMES.get(rpc.code, "error"), started())
    response = rpc_error_response(rpc, _request_id() if status == 429 else None, status)
    for name, value in error.get_headers():
        if name.lower() == "retry-after":
            response.headers[name] = value
    return response


def _service_error(error: ServiceError) -> Response:
    # A body that did not arrive in time (408) or could not be read (400), the model-token
    # budget spent inside a tool call (429), a stopping worker (503): the app's handler would
    # answer `{detail, code}`; this endpoint answers JSON-RPC, keeping the status.
    wait = retry_after_seconds(error.retry_after) if error.retry_after is not None else None
    if error.status == 429:
        rpc = RpcError(RATE_LIMITED_CODE, error.detail, {"retry_after": wait})
    else:
        rpc = RpcError(INTERNAL_ERROR if error.status >= 500 else INVALID_REQUEST, error.detail)
    record("", OUTCOMES.get(rpc.code, "error"), started())
    response = rpc_error_response(rpc, _request_id(), error.status)
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(retry_after_seconds(error.retry_after))
    return response


def _request_id() -> Any:
    """The id of a tool call refused by the rate limit (which read the body to see that it calls a
    tool), so the client can match the error to its call."""
    body = g.get("mcp_body")
    request_id = body.get("id") if isinstance(body, dict) else None
    return request_id if isinstance(request_id, str | int) and not isinstance(request_id, bool) else None


def _unexpected(error: Exception) -> Response:
    log.exception("mcp.unhandled_error", error_type=type(error).__name__)
    record("", OUTCOMES[INTERNAL_ERROR], started())
    return rpc_error_response(RpcError(INTERNAL_ERROR, "An unexpected error occurred."), None, 500)


def init_blueprint(bp: Blueprint) -> None:
    """Time the blueprint's requests and answer its errors as JSON-RPC objects."""
    bp.before_request(_start_clock)
    bp.register_error_handler(RpcError, _transport_error)
    bp.register_error_handler(ForbiddenOrigin, _forbidden)
    bp.register_error_handler(HTTPException, _http_error)
    bp.register_error_handler(ServiceError, _service_error)
    # Before the catch-all (a blueprint's handlers come first, whatever the app registered).
    bp.register_error_handler(ClientGone, client_gone_response)
    bp.register_error_handler(Exception, _unexpected)
