"""Relay an answerer's events to an SSE response as they come, with keep-alives and shutdown.

The LLM is read in a helper greenlet feeding a queue, so the stream can send keep-alive
comments while the LLM is silent, and so a client that hangs up is noticed within a tick or two
even when the LLM is quiet (WSGI only learns of a disconnect when a write fails: a tick that
finds the client's side closed writes a keep-alive at once).

This loop runs once per token for every open stream, so it is kept lean: the queue is
read without a timeout (a timed get costs a fresh timer per token); one repeating timer
per stream drops a tick into the queue instead, on which keep-alives and shutdown are
checked. Tokens that are already waiting when the loop wakes come out together.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager

import gevent
import structlog
from gevent.queue import Queue

from app.errors import LLMError
from app.llm.types import Finished, LLMEvent, Token
from app.sse import encode_comment

log = structlog.get_logger(__name__)

KEEPALIVE = encode_comment("keepalive")
POLL_SECONDS = 1.0
_TICK = object()  # queued by the stream's timer: time to check for keep-alive and shutdown

# What `relay` yields: one token's text (the usual case), the texts of several tokens that
# were already waiting, a keep-alive comment to send as is, and last the terminal item.
Relayed = str | list[str] | bytes | Finished | LLMError


def relay(
    source: Iterator[LLMEvent],
    *,
    keepalive_seconds: float,
    should_stop: Callable[[], bool],
    client_left: Callable[[], bool] = lambda: False,
    context: contextvars.Context | None = None,
) -> Generator[Relayed, None, None]:
    """Yield the answer's pieces as they arrive; the last item is always `Finished` or an `LLMError`.

    While `client_left` says the client's side of the connection ended, each tick yields a
    keep-alive: its write fails when the client is gone (WSGI then closes this generator).

    Close the returned generator to stop early: that kills the reader, which closes the
    upstream request at once. The reader runs in `context` (a spawned greenlet starts with
    an empty one): pass the trace and log context the LLM call should see.
    """
    with _pumped(source, keepalive_seconds, context) as events:
        idle_since = time.monotonic()
        while True:
            item = events.get()
            if item is _TICK:
                due = time.monotonic() - idle_since >= keepalive_seconds
                if (sent := _on_tick(should_stop, client_left, due)) is not None:
                    yield sent
                    if sent is not KEEPALIVE:
                        return
                    idle_since = time.monotonic()
                continue
            idle_since = time.monotonic()
            if isinstance(item, Token) and not events.qsize():
                yield item.text
                continue
            texts, terminal = _take_ready(item, events)
            if texts:
                yield texts
            if terminal is not None:
                yield terminal
                return


@contextmanager
def _pumped(
    source: Iterator[LLMEvent], keepalive_seconds: float, context: contextvars.Context | None
) -> Iterator[Queue[object]]:
    """Read `source` into a queue in a helper greenlet, with a tick queued every period; stop both on exit."""
    # Unbounded on purpose: a slow client must not make the upstream read stall (and hit
    # its read deadline); what can pile up is one answer, bounded by LLM_MAX_TOKENS.
    events: Queue[object] = Queue()
    # Tick often enough that a stopping worker is noticed within POLL_SECONDS and a
    # keep-alive goes out at most half a keep-alive period late.
    period = min(POLL_SECONDS, keepalive_seconds / 2)
    ticks = gevent.get_hub().loop.timer(period, period)
    reader = (
        gevent.spawn(_pump, source, events) if context is None else gevent.spawn(context.run, _pump, source, events)
    )
    try:
        ticks.start(events.put_nowait, _TICK)
        yield events
    finally:
        ticks.close()
        # Killing the reader unwinds the answerer's generator, which closes the upstream
        # response; block so that happens before the WSGI server closes ours.
        reader.kill(block=True)


def _on_tick(should_stop: Callable[[], bool], client_left: Callable[[], bool], due: bool) -> Relayed | None:
    """Return what a tick sends: the shutdown error, a keep-alive, or nothing."""
    if should_stop():  # checked on ticks only: at least every POLL_SECONDS
        return LLMError("server_shutdown")
    # The client's side ended: gone, or only done sending (a half-close). A write tells
    # which: to a client that left, it fails (at once or on the next tick).
    if client_left() or due:
        return KEEPALIVE
    return None


def _take_ready(item: object, events: Queue[object]) -> tuple[list[str], Finished | LLMError | None]:
    """Take `item` and every token already queued behind it; stop at a terminal item."""
    texts: list[str] = []
    while True:
        if isinstance(item, Token):
            texts.append(item.text)
        elif isinstance(item, Finished | LLMError):
            return texts, item
        if not events.qsize():
            return texts, None
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
