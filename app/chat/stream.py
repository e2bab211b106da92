"""The SSE stream of one chat answer (SPEC §3): retrieval, tokens, one terminal event.

The LLM is read in a helper greenlet feeding a queue, so the stream can send keep-alive
comments while the LLM is silent, and so a client that hangs up is noticed on the next
write even when the LLM is quiet (WSGI only learns of a disconnect when a write fails).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import gevent
import structlog
from gevent.queue import Empty, Queue

from app.chat.service import PreparedTurn
from app.errors import LLMError
from app.llm.types import Answerer, Finished, LLMEvent, Token
from app.metrics import ACTIVE_STREAMS, CHAT_STREAMS, STREAM_DURATION, TIME_TO_FIRST_TOKEN
from app.sse import encode_comment, encode_event, encode_token

log = structlog.get_logger(__name__)

OPENING = encode_comment("stream open")
KEEPALIVE = encode_comment("keepalive")
POLL_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class StreamContext:
    """Plain per-request values the generator needs (never `request` or `current_app`)."""

    trace_id: str
    started: float
    keepalive_seconds: float
    mode: str  # the answerer's name: "openrouter" | "offline" | ...
    should_stop: Callable[[], bool] = lambda: False


def stream_answer(
    turn: PreparedTurn, answerer: Answerer, record: Callable[[PreparedTurn, str], None], ctx: StreamContext
) -> Iterator[bytes]:
    """Yield the SSE bytes of one answer; every exit path ends with a terminal event or a hang-up."""
    outcome = "client_disconnected"
    reader: gevent.Greenlet | None = None
    parts: list[str] = []
    ACTIVE_STREAMS.inc()
    try:
        yield OPENING + encode_event({"type": "retrieval", "chunks": turn.chunks, "session_id": turn.session_id})
        events: Queue[LLMEvent | LLMError] = Queue()
        reader = gevent.spawn(_pump, answerer.stream(turn.request), events)
        idle_since = time.monotonic()
        while True:
            item = _next(events, ctx, idle_since)
            idle_since = time.monotonic()
            if item is None:
                yield KEEPALIVE
            elif isinstance(item, Token):
                if not parts:
                    TIME_TO_FIRST_TOKEN.observe(time.perf_counter() - ctx.started)
                parts.append(item.text)
                yield encode_token(item.text)
            elif isinstance(item, Finished):
                answer = "".join(parts)
                record(turn, answer)
                outcome = "completed"
                yield encode_event(_done(turn, item, ctx))
                return
            else:
                outcome = item.code
                yield encode_event(error_event(item, ctx.trace_id))
                return
    finally:
        if reader is not None:
            # Killing the reader unwinds the answerer's generator, which closes the upstream
            # response; block so that happens before the WSGI server closes ours.
            reader.kill(block=True)
        _finish(outcome, ctx, len(parts))


def _next(events: Queue[LLMEvent | LLMError], ctx: StreamContext, idle_since: float) -> LLMEvent | LLMError | None:
    """Return the next item, None when a keep-alive is due, a shutdown error when stopping."""
    while True:
        if ctx.should_stop():
            return LLMError("server_shutdown")
        # Wake at least every POLL_SECONDS so a stopping worker is noticed promptly.
        wait = min(POLL_SECONDS, ctx.keepalive_seconds - (time.monotonic() - idle_since))
        if wait <= 0:
            return None
        try:
            return events.get(timeout=wait)
        except Empty:
            continue


def _pump(stream: Iterator[LLMEvent], events: Queue[LLMEvent | LLMError]) -> None:
    """Move the answerer's events into the queue; any failure becomes one coded error."""
    try:
        for event in stream:
            events.put(event)
    except LLMError as error:
        events.put(error)
    except Exception:
        log.exception("llm.unexpected_error")
        events.put(LLMError("llm_error"))


def error_event(error: LLMError, trace_id: str) -> dict[str, str]:
    """Return the stream's terminal error event for a coded error."""
    return {"type": "error", "code": error.code, "error": error.detail, "trace_id": trace_id}


def _done(turn: PreparedTurn, finished: Finished, ctx: StreamContext) -> dict[str, object]:
    done: dict[str, object] = {
        "type": "done",
        "session_id": turn.session_id,
        "chunks_retrieved": turn.chunks,
        "tokens_used": finished.usage.total_tokens if finished.usage else 0,
        "elapsed_seconds": round(time.perf_counter() - ctx.started, 3),
        "trace_id": ctx.trace_id,
        "finish_reason": finished.finish_reason,
    }
    if ctx.mode == "offline":
        done["mode"] = "offline"
    return done


def _finish(outcome: str, ctx: StreamContext, tokens: int) -> None:
    elapsed = time.perf_counter() - ctx.started
    ACTIVE_STREAMS.dec()
    CHAT_STREAMS.labels(outcome=outcome).inc()
    STREAM_DURATION.observe(elapsed)
    log.info("chat.stream.end", outcome=outcome, tokens=tokens, seconds=round(elapsed, 3), trace_id=ctx.trace_id)
