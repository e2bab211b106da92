"""Reading an OpenAI-style chat-completion event stream into answer events.

The body is read as bytes and decoded by `app.sse` (never `decode_unicode=True`: a
`text/event-stream` without charset would decode as ISO-8859-1). Transport failures are
translated here into our coded errors; nothing of the upstream's text reaches them.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import requests
import structlog
from urllib3.exceptions import HTTPError, ProtocolError, ReadTimeoutError

from app.errors import LLMError
from app.llm.types import Finished, LLMEvent, Token, Usage
from app.sse import ServerSentEvent, SSEDecoder
from app.telemetry.metrics import LLM_MALFORMED_LINES

log = structlog.get_logger(__name__)

_READ_SIZE = 16 * 1024
# One chunk of an OpenAI-style stream is a few hundred bytes. An upstream that sends more
# without ending the event is broken; holding on would let it fill the worker's memory.
MAX_EVENT_BYTES = 1024 * 1024


class RetryableError(Exception):
    """A failure worth retrying while no token has been yielded; `error` is what callers see."""

    def __init__(self, error: LLMError) -> None:
        super().__init__(error.code)
        self.error = error


def is_event_stream(response: requests.Response) -> bool:
    """Tell whether the response declares an event stream (a missing Content-Type is given the benefit)."""
    content_type = response.headers.get("Content-Type")
    if content_type is None:
        return True
    return content_type.split(";", 1)[0].strip().lower() == "text/event-stream"


def transport_error(exc: requests.RequestException) -> tuple[LLMError | RetryableError, str]:
    """Map a requests failure to our error (retryable or not) and an `llm_requests_total` status label."""
    if isinstance(exc, requests.ConnectTimeout):
        return RetryableError(LLMError("llm_unavailable")), "connection_error"
    if _is_read_timeout(exc):
        # Not retried: we already waited the longest silence the operator allows.
        return LLMError("llm_timeout"), "timeout"
    if isinstance(exc, requests.ConnectionError | requests.exceptions.ChunkedEncodingError):
        return RetryableError(LLMError("llm_unavailable")), "connection_error"
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        return LLMError("llm_bad_response"), "connection_error"
    return LLMError("llm_error"), "connection_error"


def _is_read_timeout(exc: BaseException) -> bool:
    # Mid-stream, requests wraps urllib3's ReadTimeoutError in a plain ConnectionError.
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, requests.ReadTimeout | ReadTimeoutError):
            return True
        pending.extend(arg for arg in current.args if isinstance(arg, BaseException))
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
    return False


def read_completion_stream(response: requests.Response) -> Iterator[LLMEvent]:
    """Yield each non-empty content delta as a Token, then one Finished; raise LLMError or RetryableError."""
    state = _StreamState()
    events = _events(response, state)
    try:
        for event in events:
            if event.comment is not None:
                continue
            if event.data == "[DONE]":
                state.done = True
                break
            text = state.consume(event.data)
            if text:
                yield Token(text)
    except requests.RequestException as exc:
        error, status = transport_error(exc)
        log.warning("llm_stream_broken", error_type=type(exc).__name__, status=status)
        raise error from None
    if state.done:
        _finish_body_if_arrived(events, response)
    yield state.finished()


def _finish_body_if_arrived(rest: Iterator[ServerSentEvent], response: requests.Response) -> None:
    """Read what follows [DONE] when it has already arrived, never waiting for the network.

    requests hands a fully read response's connection back to the pool, so the next
    answer skips a TCP (and TLS) handshake; it closes a partly read one. What follows
    [DONE] is normally just the end of the chunked body, sent with it. Any read that would
    wait ends the attempt, and the connection is then closed as before.
    """
    sock = getattr(response.raw.connection, "sock", None)
    if sock is None:
        return
    timeout = sock.gettimeout()
    try:
        sock.settimeout(0.0)
        for _ignored in rest:  # events after [DONE] carry nothing for us
            pass
    except Exception:  # nothing lost: the connection is simply not reused
        return
    finally:
        with contextlib.suppress(OSError):
            sock.settimeout(timeout)


def _events(response: requests.Response, state: _StreamState) -> Iterator[ServerSentEvent]:
    decoder = SSEDecoder(comments=True)
    for chunk in _body_chunks(response):
        state.received_bytes += len(chunk)
        for event in decoder.feed(chunk):
            state.events += 1
            yield event
        if decoder.pending_bytes > MAX_EVENT_BYTES:
            log.warning("llm_event_too_large", pending_bytes=decoder.pending_bytes, chunks_before=state.chunks)
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


@dataclass(slots=True)
class _StreamState:
    """What one stream has told us so far."""

    received_bytes: int = 0
    events: int = 0
    chunks: int = 0
    malformed: int = 0
    done: bool = False
    finish_reason: str | None = None
    usage: Usage | None = None

    def consume(self, data: str) -> str:
        """Take in one `data:` payload; return its content delta ("" when none)."""
        try:
            chunk = json.loads(data)
        except ValueError:
            chunk = None
        if not isinstance(chunk, dict):
            self.malformed += 1
            LLM_MALFORMED_LINES.inc()
            log.warning("llm_malformed_line", length=len(data), chunks_before=self.chunks)
            return ""
        self.chunks += 1
        if chunk.get("error") or chunk.get("object") == "error":  # OpenRouter / vLLM in-band shapes
            raise _in_band_error(chunk.get("error"))
        self.usage = _usage(chunk.get("usage")) or self.usage
        return self._choice(chunk.get("choices"))

    def _choice(self, choices: Any) -> str:
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            return ""  # e.g. the usage-only final chunk
        choice = choices[0]
        reason = choice.get("finish_reason")
        if reason == "error":
            raise _in_band_error(choice.get("error"))
        if isinstance(reason, str) and reason:
            self.finish_reason = reason
        delta = choice.get("delta")
        content = delta.get("content") if isinstance(delta, dict) else None
        return content if isinstance(content, str) else ""

    def finished(self) -> Finished:
        """The terminal event, or the error the stream's end amounts to."""
        if self.chunks == 0 and (self.malformed or (self.received_bytes and not self.events)):
            log.warning("llm_not_an_event_stream", malformed=self.malformed, received_bytes=self.received_bytes)
            raise LLMError("llm_bad_response")
        if not self.done and self.finish_reason is None:
            log.warning("llm_stream_cut_off", chunks=self.chunks)
            raise RetryableError(LLMError("llm_unavailable"))
        return Finished(self.finish_reason or "stop", usage=self.usage)


def _in_band_error(error: Any) -> LLMError:
    # Only the code is logged: the upstream's message may quote the prompt.
    code = error.get("code") if isinstance(error, dict) else None
    log.warning("llm_stream_error", upstream_code=str(code)[:40] if isinstance(code, int | str) else None)
    return LLMError("llm_error")


def _usage(value: Any) -> Usage | None:
    if not isinstance(value, dict):
        return None
    prompt, completion = _count(value.get("prompt_tokens")), _count(value.get("completion_tokens"))
    cost = value.get("cost")
    return Usage(
        prompt_tokens=prompt,
        completion_tokens=completion,
        total_tokens=_count(value.get("total_tokens")) or prompt + completion,
        cost=float(cost) if isinstance(cost, int | float) and not isinstance(cost, bool) and cost >= 0 else None,
    )


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0
