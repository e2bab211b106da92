"""What an MCP POST carries, read once: its origin, Accept and content type checked, its JSON parsed.

The rate limit asks first (`is_tool_call`: only tool calls count), then the endpoint reads the
same parsed body (`read_message`).
"""

from __future__ import annotations

from typing import Any

from flask import g, request
from mcp_types.jsonrpc import PARSE_ERROR
from werkzeug.exceptions import HTTPException, NotAcceptable, UnsupportedMediaType

from app.api.request_checks import ENCODED_BODY, body_is_encoded, read_body
from app.components import components
from app.errors import ServiceError
from app.mcp.protocol import RpcError
from app.strict_json import strict_json_loads


class ForbiddenOrigin(Exception):
    """A browser page from an origin outside CORS_ORIGINS tried to use the endpoint."""


def is_tool_call() -> bool:
    """Whether this POST calls a tool: only those count against the rate limit, like a chat.

    The handshake, lists, resources, pings and notifications cost next to nothing; counting
    them let a client's connecting (five messages for its first question) use up the limit.
    """
    if request.method != "POST":
        return False
    try:
        body = _parsed_body()
    except (ValueError, RecursionError, HTTPException, ServiceError):
        return False  # answered as unreadable by the endpoint itself
    return isinstance(body, dict) and body.get("method") == "tools/call"


def _parsed_body() -> Any:
    """The request body as JSON, parsed once per request (the rate limit looks first).

    A body that could not be read (408 after BODY_READ_TIMEOUT, 400, 413) is not waited for
    twice: the second look raises what the first met.
    """
    if "mcp_body_error" in g:
        raise g.mcp_body_error
    if "mcp_body" not in g:
        try:
            raw = read_body()
        except (HTTPException, ServiceError) as error:
            g.mcp_body_error = error
            raise
        g.mcp_body = strict_json_loads(raw)
    return g.mcp_body


def read_message() -> Any:
    """Check the request's origin, Accept and content type, then return its body as JSON."""
    origin = request.headers.get("Origin")
    if origin and not _origin_allowed(origin):
        # DNS rebinding protection (MCP transport security): a browser page from another
        # origin must not drive this server.
        raise ForbiddenOrigin()
    if request.headers.get("Accept") and not request.accept_mimetypes.accept_json:
        if not request.accept_mimetypes["text/event-stream"]:
            raise NotAcceptable("Accept must allow application/json or text/event-stream.")
        # Some proxies (one that AI assistants reach remote servers through) send only this:
        # the one answer then goes as one event of a stream (`replies.as_event_stream`).
        g.mcp_event_stream = True
    if not request.is_json:
        raise UnsupportedMediaType("Send the body as JSON with Content-Type: application/json.")
    if body_is_encoded():
        raise UnsupportedMediaType(ENCODED_BODY)
    try:
        return _parsed_body()
    except (ValueError, RecursionError):
        raise RpcError(PARSE_ERROR, "Parse error: the body is not valid JSON.") from None


def _origin_allowed(origin: str) -> bool:
    allowed = components().settings.cors_origins
    return "*" in allowed or origin in allowed
