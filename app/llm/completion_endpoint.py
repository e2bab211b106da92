"""The chat-completions endpoint: one POST prepared once, sent over a pooled session.

Headers, auth and session defaults are merged once, when the endpoint is made; each call
only copies that request, sets the body and hands it to the transport adapter. requests'
per-call merging, hooks, cookie jar and redirect bookkeeping (none of which this API uses)
cost a few hundred µs of CPU per answer (see bench/). Redirects are never followed.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import gevent
import requests
import structlog

from app.errors import LLMError
from app.llm.deadline import NO_DEADLINE, AnswerDeadline
from app.llm.transport import (
    RETRY_STATUSES,
    RetryableError,
    is_compressed,
    is_event_stream,
    is_json,
    parse_retry_after,
    pooled_session,
    transport_error,
)
from app.telemetry.metrics import LLM_REQUESTS

log = structlog.get_logger(__name__)

# Upstream LLM HTTP status -> our code (SPEC §3). Anything not listed is `llm_error`.
_LLM_STATUS_CODES: dict[int, str] = {
    401: "llm_auth",
    403: "llm_auth",
    402: "llm_payment_required",
    408: "llm_timeout",
    429: "llm_rate_limited",
    502: "llm_unavailable",
    503: "llm_unavailable",
    504: "llm_timeout",
}


class CompletionEndpoint:
    """POSTs request bodies to one chat-completions URL; returns the open event stream."""

    def __init__(
        self,
        url: str,
        *,
        headers: dict[str, str],
        auth: requests.auth.AuthBase | None,
        pool_size: int,
        timeout: tuple[float, float],
    ) -> None:
        self._session = pooled_session(pool_size, url)
        self._prepared = self._session.prepare_request(requests.Request("POST", url, headers=headers, auth=auth))
        self._adapter = self._session.get_adapter(url)
        self._timeout = timeout
        self._send_options: dict[str, Any] = {
            "stream": True,
            "timeout": timeout,
            "verify": self._session.verify,
            "cert": self._session.cert,
            "proxies": self._session.proxies,
        }

    def open(
        self,
        body: bytes,
        trace_headers: dict[str, str],
        *,
        read_timeout: float | None = None,
        deadline: AnswerDeadline = NO_DEADLINE,
    ) -> requests.Response:
        """POST `body`; return the open 200 event stream, or raise LLMError / RetryableError.

        `read_timeout` shortens the longest silence for this call (an answer's deadline is near);
        the response's head must have come by `deadline`.
        """
        prepared = self._prepared.copy()
        prepared.prepare_body(body, None)
        prepared.headers.update(trace_headers)  # W3C traceparent: the LLM call joins our trace
        options = self._send_options
        if read_timeout is not None and read_timeout < self._timeout[1]:
            options = {**options, "timeout": (self._timeout[0], read_timeout)}
        try:
            with _head_by(deadline):
                response = self._adapter.send(prepared, **options)
        except requests.RequestException as exc:
            error, status = transport_error(exc)
            LLM_REQUESTS.labels(status=status).inc()
            log.warning("llm.request_failed", error_type=type(exc).__name__, status=status)
            raise error from None
        LLM_REQUESTS.labels(status=str(response.status_code)).inc()
        readable = not is_compressed(response)
        if response.status_code == 200 and readable and (is_event_stream(response) or is_json(response)):
            return response  # JSON: a whole completion or an error object (upstream_stream reads it)
        response.close()  # the body is never read: no upstream text goes anywhere
        if response.status_code == 200 and not readable:
            log.warning("llm.compressed_body", encoding=response.headers.get("Content-Encoding", "")[:40])
            raise LLMError("llm_bad_response")
        if response.status_code == 200:
            log.warning("llm.not_an_event_stream", content_type=response.headers.get("Content-Type", "")[:60])
            raise LLMError("llm_bad_response")
        _raise_for_status(response)

    def close(self) -> None:
        """Close the pooled connections."""
        self._session.close()


@contextmanager
def _head_by(deadline: AnswerDeadline) -> Iterator[None]:
    """Stop waiting for the response's head at `deadline`: `llm_timeout`.

    The read timeout bounds one silence, not a head trickling in a byte at a time (a broken
    upstream or proxy), and the deadline is checked on the body: such a head held the answer
    for as long as it took. A gevent timeout interrupts the read wherever it waits (a worker's
    sockets are gevent's; elsewhere it is idle), and urllib3 closes the connection it left.
    """
    if not math.isfinite(deadline.remaining()):
        yield
        return
    timer = gevent.Timeout(max(deadline.remaining(), 0.001))
    try:
        with timer:
            yield
    except gevent.Timeout as exc:
        if exc is not timer:
            raise
        LLM_REQUESTS.labels(status="timeout").inc()
        log.warning("llm.answer_timeout", seconds=deadline.seconds, waiting_for="head")
        raise LLMError("llm_timeout") from None


def _raise_for_status(response: requests.Response) -> NoReturn:
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    code = _LLM_STATUS_CODES.get(response.status_code, "llm_error")
    error = LLMError(code, retry_after=retry_after, upstream_status=response.status_code)
    log.warning("llm.upstream_status", status=response.status_code, code=error.code, retry_after=retry_after)
    raise RetryableError(error) if response.status_code in RETRY_STATUSES else error
