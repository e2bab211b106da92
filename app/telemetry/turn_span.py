"""The `chat.turn` span: opened when a question is accepted, ended where its answer ends.

A stream's turn ends in the stream generator's `finally`, after the view has returned (and
the HTTP request's span with it); a whole answer's ends when `answer` returns.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import trace
from opentelemetry.semconv.attributes.error_attributes import ERROR_TYPE
from opentelemetry.trace import INVALID_SPAN, Span, Status, StatusCode

from app.telemetry.tracing import enabled, tracer

# Outcomes of a turn that are not the service's failure.
_FINE_OUTCOMES = frozenset({"completed", "client_disconnected"})


@contextmanager
def opening_turn() -> Iterator[Span]:
    """Open the `chat.turn` span, current for the block; it ends here only if the block raises.

    Otherwise whoever finishes the answer ends it (`end_turn`): a stream ends after the
    view returned.
    """
    if not enabled():
        yield INVALID_SPAN
        return
    span = tracer().start_span("chat.turn")
    try:
        with trace.use_span(span, end_on_exit=False):
            yield span
    except BaseException as error:
        end_turn(span, getattr(error, "code", type(error).__name__))
        raise


@contextmanager
def finishing_turn(span: Span) -> Iterator[None]:
    """Make `span` current for the block, then end it: completed, or with the error that left the block."""
    if span is INVALID_SPAN:
        yield
        return
    with trace.use_span(span, end_on_exit=False):
        try:
            yield
        except BaseException as error:
            end_turn(span, getattr(error, "code", type(error).__name__))
            raise
    end_turn(span, "completed")


def end_turn(span: Span, outcome: str, *, tokens: int | None = None) -> None:
    """Record how the turn ended and end its span."""
    if span.is_recording():
        span.set_attribute("chat.outcome", outcome)
        if tokens is not None:
            span.set_attribute("chat.tokens_streamed", tokens)
        if outcome not in _FINE_OUTCOMES:
            span.set_attribute(ERROR_TYPE, outcome)
            span.set_status(Status(StatusCode.ERROR, outcome))
    span.end()
