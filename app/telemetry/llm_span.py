"""The span of one LLM chat completion, named and described by OpenTelemetry's GenAI conventions.

The attribute names are written out here: the GenAI conventions moved out of the
`opentelemetry-semantic-conventions` package (its constants are marked deprecated there),
the names themselves did not change.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from opentelemetry import propagate, trace
from opentelemetry.semconv.attributes.error_attributes import ERROR_TYPE
from opentelemetry.semconv.attributes.server_attributes import SERVER_ADDRESS, SERVER_PORT
from opentelemetry.trace import INVALID_SPAN, Span, SpanKind, Status, StatusCode

from app.llm.types import Finished, LLMEvent, Token
from app.telemetry import tracing


class LLMSpan:
    """Opened when a completion is requested; `saw` each event; `failed` or `end` once.

    With tracing off it holds no span, and `recording` tells the caller to skip `saw`.
    """

    def __init__(self, *, provider: str, model: str, url: str, max_tokens: int, temperature: float) -> None:
        self._span = _start(provider, model, url, max_tokens, temperature) if tracing.enabled() else INVALID_SPAN
        self.recording = self._span.is_recording()
        self._started = time.perf_counter()
        self._first_token_seen = False
        self._finished = False
        self._ended = False

    def headers(self) -> dict[str, str]:
        """Return the W3C `traceparent` (and `tracestate`) that carries this span to the LLM; {} when off."""
        carrier: dict[str, str] = {}
        if self._span.get_span_context().is_valid:
            propagate.inject(carrier, context=trace.set_span_in_context(self._span))
        return carrier

    def saw(self, event: LLMEvent) -> None:
        """Note the time to the first token, and the usage and finish reason at the end."""
        if not self.recording:
            return
        if isinstance(event, Token) and not self._first_token_seen:
            self._first_token_seen = True
            self._span.set_attribute("gen_ai.response.time_to_first_chunk", time.perf_counter() - self._started)
            self._span.add_event("gen_ai.first_token")
        elif isinstance(event, Finished):
            self._finished = True
            self._span.set_attribute("gen_ai.response.finish_reasons", [event.finish_reason])
            if event.usage is not None and event.usage.reported:  # an estimate is no usage
                self._span.set_attribute("gen_ai.usage.input_tokens", event.usage.prompt_tokens)
                self._span.set_attribute("gen_ai.usage.output_tokens", event.usage.completion_tokens)

    def failed(self, code: str) -> None:
        """End the span as failed with our error code (never the upstream's text)."""
        if not self._ended:
            self._span.set_attribute(ERROR_TYPE, code)
            self._span.set_status(Status(StatusCode.ERROR, code))
            self._end_span()

    def end(self) -> None:
        """End the span; a completion that neither finished nor failed was cancelled (the client left)."""
        if not self._ended:
            if not self._finished:
                self._span.set_attribute(ERROR_TYPE, "cancelled")
            self._end_span()

    def _end_span(self) -> None:
        self._ended = True
        self._span.end()


def _start(provider: str, model: str, url: str, max_tokens: int, temperature: float) -> Span:
    address = urlsplit(url)
    return tracing.tracer().start_span(
        f"chat {model}",
        kind=SpanKind.CLIENT,
        attributes={
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": provider,
            "gen_ai.request.model": model,
            "gen_ai.request.max_tokens": max_tokens,
            "gen_ai.request.temperature": temperature,
            "gen_ai.request.stream": True,
            SERVER_ADDRESS: address.hostname or "",
            SERVER_PORT: address.port or (443 if address.scheme == "https" else 80),
        },
    )
