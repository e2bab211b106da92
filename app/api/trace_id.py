"""X-Trace-ID on every response, bound to every log line of the request (and `nosniff` beside it)."""

from __future__ import annotations

import re
import uuid

import structlog
from flask import Flask, Response, g, request

TRACE_HEADER = "X-Trace-ID"
_SANE_TRACE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def trace_id_from(value: str | None) -> str:
    """Keep a sane client trace id (≤ 64 chars of [A-Za-z0-9._-]); otherwise make one."""
    if value and _SANE_TRACE_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


def current_trace_id() -> str:
    """Return this request's trace id, assigning one if the request has none yet."""
    if "trace_id" not in g:
        g.trace_id = trace_id_from(request.headers.get(TRACE_HEADER))
    return str(g.trace_id)


def _start_request() -> None:
    # A keep-alive connection reuses the greenlet: without clearing, the second request
    # would inherit the first one's bound values.
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(trace_id=current_trace_id())


def _stamp_response(response: Response) -> Response:
    response.headers[TRACE_HEADER] = current_trace_id()
    # Every body is JSON or an event stream: a browser must never sniff it into HTML.
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def init_app(app: Flask) -> None:
    """Register the trace id hooks; call before any other before_request hook."""
    app.before_request(_start_request)
    app.after_request(_stamp_response)
