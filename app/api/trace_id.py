"""X-Trace-ID on every response, bound to every log line of the request (and `nosniff` beside it).

With tracing off, the id is the client's X-Trace-ID when sane, else a new one. With tracing
on (app.telemetry.tracing) it is the OpenTelemetry trace id, so logs and traces join: taken
from the caller's W3C `traceparent` when one came, else the new trace's. A sane client
X-Trace-ID that differs is then kept as `client_trace_id` in the log lines and as
`http.request.header.x-trace-id` on the request's span.
"""

from __future__ import annotations

import re
import uuid

import structlog
from flask import Flask, Response, g, request
from opentelemetry import trace

from app.telemetry import tracing

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
        g.trace_id = tracing.current_trace_id() or trace_id_from(request.headers.get(TRACE_HEADER))
    return str(g.trace_id)


def _start_request() -> None:
    # A keep-alive connection reuses the greenlet: without clearing, the second request
    # would inherit the first one's bound values.
    structlog.contextvars.clear_contextvars()
    trace_id = current_trace_id()
    structlog.contextvars.bind_contextvars(trace_id=trace_id)
    sent = request.headers.get(TRACE_HEADER)
    if sent and sent != trace_id and _SANE_TRACE_ID.fullmatch(sent):
        structlog.contextvars.bind_contextvars(client_trace_id=sent)
        trace.get_current_span().set_attribute("http.request.header.x-trace-id", (sent,))


def _stamp_response(response: Response) -> Response:
    response.headers[TRACE_HEADER] = current_trace_id()
    # Every body is JSON or an event stream: a browser must never sniff it into HTML.
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def init_app(app: Flask) -> None:
    """Register the trace id hooks; call before any other before_request hook except tracing's."""
    app.before_request(_start_request)
    app.after_request(_stamp_response)
