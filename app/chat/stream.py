"""The SSE stream of one chat answer (SPEC §3): retrieval, tokens, one terminal event.

The LLM is read in a helper greenlet feeding a queue, so the stream can send keep-alive
comments while the LLM is silent, and so a client that hangs up is noticed on the next
write even when the LLM is quiet (WSGI only learns of a disconnect when a write fails).

This loop runs once per token for every open stream, so it is kept lean: the queue is
read without a timeout (a timed get costs a fresh timer per token); one repeating timer
per stream drops a tick into the queue instead, on which keep-alives and shutdown are
checked. Tokens that are already waiting when the loop wakes go out in one write.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import gevent
import structlog
from gevent.queue import Queue

from app.chat.turn import PreparedTurn
from app.errors import LLMError
from app.llm.types import Answerer, Finished, LLMEvent, Token
from app.sse import encode_comment, encode_event, encode_token
from app.telemetry.metrics import ACTIVE_STREAMS, CHAT_STREAMS, STREAM_DURATION, TIME_TO_FIRST_TOKEN

log = structlog.get_logger(__name__)

OPENING = encode_comment("stream open")
KEEPALIVE = encode_comment("keepalive")
POLL_SECONDS = 1.0
_TICK = object()  # queued by the stream's timer: time to check for keep-alive and shutdown


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
    ticks = None
    parts: list[str] = []
    ACTIVE_STREAMS.inc()
    try:
        yield OPENING + encode_event({"type": "retrieval", "chunks": turn.chunks, "session_id": turn.session_id})
        events: Queue[object] = Queue()
        reader = gevent.spawn(_pump, answerer.stream(turn.request), events)
        # Tick often enough that a stopping worker is noticed within POLL_SECONDS and a
        # keep-alive goes out at most half a keep-alive period late.
        period = min(POLL_SECONDS, ctx.keepalive_seconds / 2)
        ticks = gevent.get_hub().loop.timer(period, period)
        ticks.start(events.put_nowait, _TICK)
        idle_since = time.monotonic()
        while True:
            item = events.get()
            if item is _TICK:
                if ctx.should_stop():  # checked on ticks only: at least every POLL_SECONDS
                    outcome = "server_shutdown"
                    yield encode_event(error_event(LLMError("server_shutdown"), ctx.trace_id))
                    return
                if time.monotonic() - idle_since >= ctx.keepalive_seconds:
                    idle_since = time.monotonic()
                    yield KEEPALIVE
                continue
            if not parts and isinstance(item, Token):
                TIME_TO_FIRST_TOKEN.observe(time.perf_counter() - ctx.started)
            if isinstance(item, Token) and not events.qsize():  # the usual case: one token, alone
                parts.append(item.text)
                idle_since = time.monotonic()
                yield encode_token(item.text)
                continue
            out, terminal = _take_ready(item, events, parts)
            if isinstance(terminal, Finished):
                record(turn, "".join(parts))
                outcome = "completed"
                out.append(encode_event(_done(turn, terminal, ctx)))
            elif terminal is not None:
                outcome = terminal.code
                out.append(encode_event(error_event(terminal, ctx.trace_id)))
            idle_since = time.monotonic()
            yield b"".join(out)
            if terminal is not None:
                return
    finally:
        if ticks is not None:
            ticks.close()
        if reader is not None:
            # Killing the reader unwinds the answerer's generator, which closes the upstream
            # response; block so that happens before the WSGI server closes ours.
            reader.kill(block=True)
        _finish(outcome, ctx, len(parts))


def _take_ready(
    item: object, events: Queue[object], parts: list[str]
) -> tuple[list[bytes], Finished | LLMError | None]:
    """Encode `item` and every token already queued behind it; stop at a terminal item.

    Returns the encoded tokens and the terminal item (Finished or LLMError) if one was
    reached. Several tokens in one write happen only when the loop fell behind the LLM.
    """
    out: list[bytes] = []
    while True:
        if isinstance(item, Token):
            parts.append(item.text)
            out.append(encode_token(item.text))
        elif isinstance(item, Finished | LLMError):
            return out, item
        if not events.qsize():
            return out, None
        item = events.get_nowait()


def _pump(stream: Iterator[LLMEvent], events: Queue[object]) -> None:
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
