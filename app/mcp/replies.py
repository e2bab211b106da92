"""The MCP endpoint's answers: JSON-RPC bodies, and the metric and log line each request leaves."""

from __future__ import annotations

import json
import time
from typing import Any

import structlog
from flask import Response, g
from mcp_types.jsonrpc import (
    HEADER_MISMATCH,
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    UNSUPPORTED_PROTOCOL_VERSION,
)
from mcp_types.methods import SPEC_CLIENT_METHODS, SPEC_CLIENT_NOTIFICATION_METHODS

from app.mcp.protocol import Negotiated, RpcError
from app.telemetry.metrics import MCP_DURATION, MCP_REQUESTS

log = structlog.get_logger(__name__)

RATE_LIMITED_CODE = -32010  # implementation-defined range (-32000..-32019)
KNOWN_METHODS = SPEC_CLIENT_METHODS | SPEC_CLIENT_NOTIFICATION_METHODS
OUTCOMES = {
    PARSE_ERROR: "parse_error",
    INVALID_REQUEST: "invalid_request",
    METHOD_NOT_FOUND: "method_not_found",
    INVALID_PARAMS: "invalid_params",
    INTERNAL_ERROR: "internal_error",
    HEADER_MISMATCH: "header_mismatch",
    UNSUPPORTED_PROTOCOL_VERSION: "unsupported_version",
    RATE_LIMITED_CODE: "rate_limited",
}


def record(method: str, outcome: str, started: float, negotiated: Negotiated | None = None, name: str = "") -> None:
    elapsed = time.perf_counter() - started
    label = method if method in KNOWN_METHODS else "other"
    MCP_REQUESTS.labels(method=label, outcome=outcome).inc()
    MCP_DURATION.labels(method=label).observe(elapsed)
    log.info(
        "mcp.request",
        method=label,
        name=name,
        outcome=outcome,
        seconds=round(elapsed, 3),
        protocol_version=negotiated.version if negotiated else "",
        client=negotiated.client if negotiated else "",
    )


def rpc_error_response(error: RpcError, request_id: Any, status: int) -> Response:
    body: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.data is not None:
        body["data"] = error.data
    return json_response({"jsonrpc": "2.0", "id": request_id, "error": body}, status)


def as_event_stream(response: Response) -> Response:
    """For a client that accepts only an event stream: the JSON-RPC message, error or not, as one SSE event."""
    if not g.get("mcp_event_stream") or response.mimetype != "application/json":
        return response
    # Compact JSON escapes every line break, so the message is one `data:` line.
    response.set_data(b"event: message\ndata: " + response.get_data() + b"\n\n")
    response.mimetype = "text/event-stream"
    response.headers["Cache-Control"] = "no-cache"
    return response


def json_response(body: dict[str, Any], status: int = 200) -> Response:
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return Response(text.encode(errors="replace"), status, mimetype="application/json")  # never a 500 on bad text
