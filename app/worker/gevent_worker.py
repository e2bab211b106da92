"""gunicorn's gevent worker, answering requests it cannot parse in the one JSON error shape.

gunicorn refuses some requests before the app runs (headers too large, control characters
in a header, a malformed request line or chunk) and answers them with its own HTML page.
Clients that talk to gunicorn directly (development, a deployment without nginx) would see
HTML without `X-Trace-ID`; this worker writes the SPEC's JSON error body instead.

Imported by the gunicorn master to resolve `worker_class`: it must import nothing that
gevent's patching has to precede (no requests, grpc or prometheus_client).
"""

from __future__ import annotations

import http
import json
import uuid
from ssl import SSLError
from typing import Any

from gunicorn import util
from gunicorn.http import errors as parse_errors
from gunicorn.workers.ggevent import GeventWorker

from app.errors import RequestError, ServiceError

# The parse failures that are the client's fault, most specific first: (exception, status, code, sentence).
_CLIENT_ERRORS: tuple[tuple[Any, int, str, str], ...] = (
    (parse_errors.LimitRequestHeaders, 431, "headers_too_large", "The request headers are too large."),
    (parse_errors.LimitRequestLine, 414, "uri_too_long", "The request line is too long."),
    (
        parse_errors.UnsupportedTransferCoding,
        501,
        "unsupported_transfer_coding",
        "That transfer coding is not supported.",
    ),
    (parse_errors.ExpectationFailed, 417, "expectation_failed", "The Expect header cannot be met."),
    ((parse_errors.ForbiddenProxyRequest, SSLError), 403, "forbidden", "This request is not allowed."),
)


def coded_error(exc: BaseException) -> ServiceError | None:
    """Return the coded error for a request gunicorn could not parse; None when it is our own fault."""
    if isinstance(exc, parse_errors.InvalidResponseHeader | parse_errors.InvalidResponseHeaderName):
        return None  # a header the app tried to send: a server error, not the client's
    for kinds, status, code, detail in _CLIENT_ERRORS:
        if isinstance(exc, kinds):
            return ServiceError(detail, code=code, status=status)
    if isinstance(exc, parse_errors.ConfigurationProblem):
        return None  # gunicorn's own configuration, not the request
    if isinstance(exc, parse_errors.ParseException):
        return RequestError()  # a malformed request line, header, chunk or proxy line
    return None


def render(error: ServiceError) -> bytes:
    """Return a whole HTTP/1.1 response carrying `error` as the JSON error body; the connection closes."""
    body = json.dumps(error.body(), separators=(",", ":")).encode()
    head = (
        f"HTTP/1.1 {error.status} {http.HTTPStatus(error.status).phrase}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        f"X-Trace-ID: {uuid.uuid4().hex}\r\n\r\n"
    )
    return head.encode("latin-1") + body


class JsonErrorGeventWorker(GeventWorker):
    """The gevent worker, with gunicorn's HTML error pages replaced by our JSON error shape."""

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        error = coded_error(exc)
        if error is None:
            self.log.exception("Error handling request")
            error = ServiceError()
        else:
            # The exception's text can echo what the client sent: log its kind only.
            self.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0], type(exc).__name__)
        try:
            util.write_nonblock(client, render(error))
        except Exception:
            self.log.debug("Failed to send error message.")
