"""Coded errors: every failure a client can see has a status, a stable code and a safe sentence.

Every coded error is defined here. The clients raise them at their boundary (the memvid
gRPC client, the LLM transport), so views, the stream generator and the HTTP error handlers
only ever see these types.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

# code -> (non-stream HTTP status, sentence safe to show to a recruiter)
LLM_ERRORS: dict[str, tuple[int, str]] = {
    "llm_auth": (503, "The language model rejected this service's credentials."),
    "llm_payment_required": (503, "The language model account has run out of credits."),
    "llm_rate_limited": (503, "The language model is busy; please try again shortly."),
    "llm_unavailable": (503, "The language model is unavailable right now; please try again shortly."),
    "llm_timeout": (504, "The language model took too long to respond."),
    "llm_bad_response": (502, "The language model sent a response that could not be read."),
    "llm_error": (502, "The language model failed to answer."),
    "server_shutdown": (503, "The server is restarting; please retry your question."),
}

# What pydantic puts before the sentence a validator raised ("Value error, must hold…"):
# the sentence is ours and reads alone.
_PYDANTIC_PREFIXES = ("Value error, ", "Assertion failed, ")


def validation_message(item: Mapping[str, Any]) -> str:
    """Return the message of one pydantic error item (`ValidationError.errors()`) without pydantic's prefix."""
    message = str(item["msg"])
    for prefix in _PYDANTIC_PREFIXES:
        message = message.removeprefix(prefix)
    return message


def retry_after_seconds(delay: float) -> int:
    """Return a retry delay as the whole seconds Retry-After carries: rounded up, at least 1."""
    return max(1, math.ceil(delay))


class ServiceError(Exception):
    """An error with an HTTP status, a stable snake_case code and a client-safe sentence."""

    status: int = 500
    code: str = "internal_error"
    detail: str = "An unexpected error occurred."

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        retry_after: float | None = None,
        errors: list[dict[str, str]] | None = None,
    ) -> None:
        self.detail = detail or self.detail
        self.code = code or self.code
        self.status = status or self.status
        self.retry_after = retry_after
        self.errors = errors
        super().__init__(self.detail)

    def body(self) -> dict[str, Any]:
        """Return the JSON error body of SPEC §3."""
        body: dict[str, Any] = {"detail": self.detail, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        return body

    def event(self, trace_id: str) -> dict[str, Any]:
        """Return the stream's terminal `error` event of SPEC §3: the same code and sentence, and
        `retry_after` (whole seconds) when it is known, as the non-stream answer's Retry-After."""
        event: dict[str, Any] = {"type": "error", "code": self.code, "error": self.detail, "trace_id": trace_id}
        if self.retry_after is not None:
            event["retry_after"] = retry_after_seconds(self.retry_after)
        return event


class RequestError(ServiceError):
    """The client sent something we cannot accept (4xx)."""

    status = 400
    code = "bad_request"
    detail = "The request could not be understood."


class UnsupportedMediaType(RequestError):
    status = 415
    code = "unsupported_media_type"
    detail = "Send the body as JSON with Content-Type: application/json."


class TooDenseToCheck(RequestError):
    status = 422
    code = "too_dense_to_check"
    detail = (
        "The text holds too much that is not ordinary prose to be checked: send the job "
        "description's own text, without long codes, links or symbol runs."
    )


class InvalidJSON(RequestError):
    code = "invalid_json"
    detail = "The request body is not valid JSON."


class PayloadTooLarge(RequestError):
    status = 413
    code = "payload_too_large"
    detail = "The request body is too large."


class NotFound(RequestError):
    status = 404
    code = "not_found"
    detail = "There is nothing at this path."


class MethodNotAllowed(RequestError):
    status = 405
    code = "method_not_allowed"
    detail = "This path does not accept that method."


class BodyTooSlow(RequestError):
    status = 408
    code = "request_timeout"
    detail = "The request body did not arrive in time."


class RateLimited(RequestError):
    status = 429
    code = "rate_limited"
    detail = "Too many requests; please slow down and try again shortly."


class ModelBudgetExhausted(RateLimited):
    code = "model_budget_exhausted"
    detail = "Too much text from this address in the last minute for the service to check; try again shortly."


class ProfileNotFound(ServiceError):
    status = 404
    code = "profile_not_found"
    detail = "This resume has no candidate profile."


class FitBusy(ServiceError):
    """Other job descriptions held this worker's checking slot for longer than a request waits."""

    status = 503
    code = "fit_busy"
    detail = "Other job descriptions are being checked right now; please try again in a few seconds."

    def __init__(self) -> None:
        super().__init__(retry_after=5.0)


class UpstreamError(ServiceError):
    """A dependency (memvid, the LLM) failed; the message never carries upstream text."""

    status = 502
    code = "upstream_error"
    detail = "A service this API depends on failed."


class RetrievalUnavailable(UpstreamError):
    status = 503
    code = "memvid_unavailable"
    detail = "The resume search service is unavailable right now."
    deadline_missed = False  # memvid was waited for until its deadline (not refused at once)


class SessionsUnavailable(UpstreamError):
    """The shared session store (Redis) did not answer: the session may well exist."""

    status = 503
    code = "sessions_unavailable"
    detail = "Conversations cannot be reached right now; please try again shortly."


class LLMError(UpstreamError):
    """An LLM failure carrying one of the codes of `LLM_ERRORS`."""

    def __init__(
        self,
        code: str,
        *,
        retry_after: float | None = None,
        upstream_status: int | None = None,
        detail: str | None = None,
    ) -> None:
        code = code if code in LLM_ERRORS else "llm_error"
        status, sentence = LLM_ERRORS[code]
        super().__init__(detail or sentence, code=code, status=status, retry_after=retry_after)
        self.upstream_status = upstream_status  # the LLM server's HTTP status, when it gave one
