"""The SSE stream of one chat turn (SPEC §3): retrieval, tokens, exactly one terminal event.

A generator with a fixed shape: the view has validated and set headers before the first
byte; this gets plain values only (never `request` or `current_app`); metrics and the
closing log line are in `finally`, so they also run when the client hangs up.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterator
from contextlib import closing
from typing import TYPE_CHECKING

import structlog

from app.chat.events import done_event, retrieval_event
from app.chat.relay import Relayed, relay
from app.errors import LLMError, ServiceError
from app.guardrails.types import OutputFilter
from app.llm.types import Finished
from app.sse import encode_comment, encode_event, encode_token
from app.telemetry import tracing, turn_span
from app.telemetry.metrics import ACTIVE_STREAMS, CHAT_STREAMS, STREAM_DURATION, TIME_TO_FIRST_TOKEN

if TYPE_CHECKING:
    from app.chat.turn import Turn

log = structlog.get_logger(__name__)

OPENING = encode_comment("stream open")
HUNG_UP = "client_disconnected"


def stream_turn(
    turn: Turn,
    *,
    text_filter: OutputFilter,
    record: Callable[[Turn, str], int | None],
    keepalive_seconds: float,
    should_stop: Callable[[], bool],
    client_left: Callable[[], bool],
    trace_id: str,
    started: float,
) -> Iterator[bytes]:
    """Yield the SSE bytes of `turn`'s answer; every exit path ends with a terminal event or a hang-up."""
    outcome = HUNG_UP  # until a terminal event is sent: a generator closed before then lost its client
    parts: list[str] = []
    ACTIVE_STREAMS.inc()
    try:
        yield OPENING + encode_event(retrieval_event(turn.session_id, turn.request.passages))
        pieces = _answer_pieces(turn, keepalive_seconds, should_stop, client_left)
        with closing(pieces):
            for piece in pieces:
                if not isinstance(piece, Finished | LLMError):
                    if out := _piece_bytes(piece, text_filter, parts, started):
                        yield out
                    continue
                tail = _tokens(text_filter.finish(), parts, started)
                outcome, last = _conclude(turn, piece, "".join(parts), record, trace_id, started)
                yield tail + last
    except Exception:
        # A fault of ours (the filter, an encoder): end with the one error event, not mid-air.
        log.exception("chat.stream.failed", trace_id=trace_id)
        if outcome == HUNG_UP:
            error = ServiceError()
            outcome = error.code
            yield encode_event(error.event(trace_id))
    finally:
        _count_the_end(turn, outcome, len(parts), trace_id, time.perf_counter() - started)


def _answer_pieces(
    turn: Turn, keepalive_seconds: float, should_stop: Callable[[], bool], client_left: Callable[[], bool]
) -> Generator[Relayed, None, None]:
    """Start relaying the answerer's events for `turn` (see `relay`)."""
    return relay(
        turn.answerer.stream(turn.request),
        keepalive_seconds=keepalive_seconds,
        should_stop=should_stop,
        client_left=client_left,
        context=tracing.context_for_greenlet(turn.span),  # the LLM's span becomes the turn's child
    )


def _piece_bytes(piece: str | list[str] | bytes, text_filter: OutputFilter, parts: list[str], started: float) -> bytes:
    """Encode one relayed piece: its token texts pass the output filter; a keep-alive goes as it is."""
    if isinstance(piece, bytes):
        return piece
    texts = [piece] if isinstance(piece, str) else piece
    return _tokens([kept for text in texts for kept in text_filter.feed(text)], parts, started)


def _count_the_end(turn: Turn, outcome: str, tokens: int, trace_id: str, elapsed: float) -> None:
    """Metrics, the closing log line and the turn's span: every stream's end, hang-ups included."""
    ACTIVE_STREAMS.dec()
    CHAT_STREAMS.labels(outcome=outcome).inc()
    STREAM_DURATION.observe(elapsed)
    log.info("chat.stream.end", outcome=outcome, tokens=tokens, seconds=round(elapsed, 3), trace_id=trace_id)
    turn_span.end_turn(turn.span, outcome, tokens=tokens)  # here, not when the view returned


def _tokens(texts: list[str], parts: list[str], started: float) -> bytes:
    """Encode the non-empty texts as token events, noting the time of the very first."""
    kept = [text for text in texts if text]
    if kept and not parts:
        TIME_TO_FIRST_TOKEN.observe(time.perf_counter() - started)
    parts.extend(kept)
    return b"".join(encode_token(text) for text in kept)


def _conclude(
    turn: Turn,
    terminal: Finished | LLMError,
    answer: str,
    record: Callable[[Turn, str], int | None],
    trace_id: str,
    started: float,
) -> tuple[str, bytes]:
    """Record a finished `answer` and render the one terminal event; return the outcome and the bytes."""
    if isinstance(terminal, LLMError):
        return terminal.code, encode_event(terminal.event(trace_id))
    try:
        index = record(turn, answer)
    except Exception:
        # The answer reached the client but could not be kept: say so instead of stopping mid-air.
        log.exception("chat.record_failed", trace_id=trace_id)
        error = ServiceError()
        return error.code, encode_event(error.event(trace_id))
    done = done_event(
        session_id=turn.session_id,
        chunks=turn.chunks,
        finished=terminal,
        elapsed=time.perf_counter() - started,
        trace_id=trace_id,
        mode=turn.mode,
        message_index=index,
    )
    return "completed", encode_event(done)
