"""Reading an OpenAI-style chat-completion event stream into answer events.

The body is read as bytes and decoded by `app.sse` (never `decode_unicode=True`: a
`text/event-stream` without charset would decode as ISO-8859-1). Transport failures are
translated here into our coded errors; nothing of the upstream's text reaches them.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator

import requests
import structlog
from urllib3.exceptions import HTTPError, ProtocolError, ReadTimeoutError

from app.errors import LLMError
from app.llm.completion_chunks import CompletionState, whole_completion
from app.llm.deadline import NO_DEADLINE, AnswerDeadline
from app.llm.transport import RetryableError, is_json, transport_error
from app.llm.types import LLMEvent, Token
from app.llm.upstream_reads import ReadLimit, finish_body_if_arrived
from app.sse import ServerSentEvent, SSEDecoder

log = structlog.get_logger(__name__)

_READ_SIZE = 16 * 1024
# One chunk of an OpenAI-style stream is a few hundred bytes. An upstream that sends more
# without ending the event is broken; holding on would let it fill the worker's memory.
MAX_EVENT_BYTES = 1024 * 1024
# Once the finish reason has come, only its usage and [DONE] are still to come, and an upstream
# sends them at once: past this, in one silence or in all, the answer ends without them.
AFTER_FINISH_SECONDS = 0.5


def read_completion_stream(
    response: requests.Response, *, idle_seconds: float | None = None, deadline: AnswerDeadline = NO_DEADLINE
) -> Iterator[LLMEvent]:
    """Yield each non-empty content delta as a Token, then one Finished; raise LLMError or RetryableError.

    Comment lines are bytes, so they reset the read timeout (the longest silence, SPEC §8),
    but say nothing: after `idle_seconds` of nothing but comments the answer ends with
    `llm_timeout` (an upstream sending ": PROCESSING" forever would hold the request with no
    deadline at all). `deadline` is checked on every chunk of the body, and no read waits
    past it.

    Once the answer's finish reason has come, it is whole: what may still follow is its usage
    and `[DONE]`, for at most AFTER_FINISH_SECONDS. An upstream that keeps the connection open
    instead, in silence, with comments or with empty chunks, or drops it, has still answered.
    """
    if is_json(response):
        yield from _whole_completion(response)
        return
    state = CompletionState()
    reads = ReadLimit(response)
    events = _events(response, state, deadline, reads)
    try:
        try:
            with _transport_errors():
                yield from _content(events, state, idle_seconds, reads)
        except (LLMError, RetryableError) as error:
            if state.finish_reason is None or not _is_silence_or_cut(error):
                raise
            log.info("llm.no_end_after_finish", finish_reason=state.finish_reason)
        if held := state.held_text():
            yield Token(held)  # half of a pair whose other half never came: the encoders replace it
        if state.done:
            finish_body_if_arrived(events, response)
        yield state.finished()
    finally:
        reads.restore()


def _content(
    events: Iterator[ServerSentEvent], state: CompletionState, idle_seconds: float | None, reads: ReadLimit
) -> Iterator[Token]:
    last_data = time.monotonic()
    finished_at: float | None = None
    for event in events:
        if finished_at is not None and time.monotonic() - finished_at > AFTER_FINISH_SECONDS:
            return  # still no [DONE] after the answer's end: what came was all of it
        if event.comment is not None:
            if finished_at is None and idle_seconds is not None and time.monotonic() - last_data > idle_seconds:
                log.warning("llm.only_comments", seconds=round(time.monotonic() - last_data, 1))
                raise LLMError("llm_timeout")
            continue
        last_data = time.monotonic()
        if event.data == "[DONE]":
            state.done = True
            return
        text = state.consume(event.data)
        if text:
            yield Token(text)
        if state.finish_reason is not None and finished_at is None:
            finished_at = time.monotonic()
            reads.at_most(AFTER_FINISH_SECONDS)


def _is_silence_or_cut(error: LLMError | RetryableError) -> bool:
    code = error.error.code if isinstance(error, RetryableError) else error.code
    return code in ("llm_timeout", "llm_unavailable")


@contextlib.contextmanager
def _transport_errors() -> Iterator[None]:
    """Turn a failure reading the body into our coded error (nothing of the upstream's text)."""
    try:
        yield
    except requests.RequestException as exc:
        error, status = transport_error(exc)
        log.warning("llm.stream_broken", error_type=type(exc).__name__, status=status)
        raise error from None


def _whole_completion(response: requests.Response) -> Iterator[LLMEvent]:
    """An upstream that answered `stream: true` with one JSON body: its answer, or its error."""
    body = bytearray()
    with _transport_errors():
        for chunk in _body_chunks(response):
            body += chunk
            if len(body) > MAX_EVENT_BYTES:
                log.warning("llm.unreadable_completion", problem="too_large", received_bytes=len(body))
                raise LLMError("llm_bad_response")
    try:
        # Not strict_json_loads: a usage figure such as 1e400 must not fail the answer (its
        # usage is then ignored, as in a stream); the answer's text is a string either way.
        value = json.loads(bytes(body))
    except (ValueError, RecursionError):
        # Only the shape is logged: the body may quote the prompt.
        log.warning("llm.unreadable_completion", problem="not_json", received_bytes=len(body))
        raise LLMError("llm_bad_response") from None
    text, finished = whole_completion(value)
    if text:
        yield Token(text)
    yield finished


def _events(
    response: requests.Response, state: CompletionState, deadline: AnswerDeadline, reads: ReadLimit
) -> Iterator[ServerSentEvent]:
    decoder = SSEDecoder(comments=True)
    for chunk in _body_chunks(response):
        deadline.check()  # also between the bytes of a line that trickles in
        reads.at_most(deadline.remaining())  # a silence that starts now ends by the deadline
        state.received_bytes += len(chunk)
        for event in decoder.feed(chunk):
            state.events += 1
            yield event
        if decoder.pending_bytes > MAX_EVENT_BYTES:
            log.warning("llm.event_too_large", pending_bytes=decoder.pending_bytes, chunks_before=state.chunks)
            raise LLMError("llm_bad_response")
    for event in decoder.flush():
        state.events += 1
        yield event


def _body_chunks(response: requests.Response) -> Iterator[bytes]:
    """Yield body bytes as they arrive, without waiting for a buffer to fill."""
    if response.raw.chunked:
        yield from response.iter_content(chunk_size=None)  # one HTTP chunk at a time
        return
    # A length- or close-delimited body: iter_content(None) would read it to the end first.
    try:
        while chunk := response.raw.read1(_READ_SIZE, decode_content=True):
            yield chunk
    except ReadTimeoutError as exc:
        raise requests.ConnectionError(exc) from exc
    except ProtocolError as exc:
        raise requests.exceptions.ChunkedEncodingError(exc) from exc
    except HTTPError as exc:  # e.g. TLS failures; what requests' own reader would call a ConnectionError
        raise requests.ConnectionError(exc) from exc
