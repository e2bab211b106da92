"""One keep-alive HTTP/1.1 connection that posts a request and reads a chunked SSE answer.

Times are taken with perf_counter when bytes arrive (uvloop's clock has millisecond
steps); events are recognised by their prefix, without decoding their JSON, so the load
generator spends little per token: the service's `data: {"type":"token"...` events, or an
OpenAI chunk with non-empty `"content"` when talking to the fake LLM directly.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field


@dataclass(slots=True)
class Stream:
    """What one request saw; times are perf_counter seconds."""

    started: float
    first_token: float = 0.0
    last_token: float = 0.0
    ended: float = 0.0
    tokens: int = 0
    fresh: bool = False  # the first request on its connection
    done: bool = False
    error: str = ""
    gaps: list[float] = field(default_factory=list)


class Client(asyncio.Protocol):
    """One keep-alive connection; `send` returns a future resolved with the finished Stream."""

    def __init__(self, service: bool, window: Window) -> None:
        self.service = service
        self.window = window
        self.transport: asyncio.Transport | None = None
        self.future: asyncio.Future[Stream] | None = None
        self.stream: Stream | None = None
        self.used = False  # a request was sent on this connection already
        self._reset()

    def _reset(self) -> None:
        self.raw = bytearray()
        self.events = bytearray()
        self.head_done = False
        self.chunk_left = 0
        self.skip_crlf = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self._finish("connection_lost")

    def send(self, request: bytes) -> asyncio.Future[Stream]:
        self._reset()
        self.stream = Stream(started=time.perf_counter())
        self.future = future = asyncio.get_running_loop().create_future()
        if self.transport is None:
            self._finish("connection_closed")
        else:
            self.transport.write(request)
        return future

    def data_received(self, data: bytes) -> None:
        if self.stream is None:
            return
        self.raw += data
        if not self.head_done and not self._head():
            return
        if self._dechunk():
            self._parse_events(time.perf_counter())
            self._finish("" if self.stream is not None and self.stream.done else "incomplete")
        else:
            self._parse_events(time.perf_counter())

    def _head(self) -> bool:
        end = self.raw.find(b"\r\n\r\n")
        if end < 0:
            return False
        head = bytes(self.raw[:end]).lower()
        del self.raw[: end + 4]
        status = head[9:12]
        if status != b"200" or b"transfer-encoding: chunked" not in head:
            self._finish(f"http_{status.decode()}")
            if self.transport is not None:
                self.transport.close()
            return False
        self.head_done = True
        return True

    def _dechunk(self) -> bool:
        """Move chunk payloads from `raw` to `events`; True once the last chunk arrived."""
        raw = self.raw
        while raw:
            if self.chunk_left:
                take = min(self.chunk_left, len(raw))
                self.events += raw[:take]
                del raw[:take]
                self.chunk_left -= take
                self.skip_crlf = self.chunk_left == 0
            elif self.skip_crlf:
                if len(raw) < 2:
                    return False
                del raw[:2]
                self.skip_crlf = False
            else:
                line_end = raw.find(b"\r\n")
                if line_end < 0:
                    return False
                size = int(bytes(raw[:line_end]).split(b";")[0], 16)
                del raw[: line_end + 2]
                if size == 0:
                    return True
                self.chunk_left = size
        return False

    def _parse_events(self, now: float) -> None:
        stream = self.stream
        if stream is None or not self.events:
            return
        events = self.events
        end = events.rfind(b"\n\n")
        if end < 0:
            return
        tokens = 0
        for event in bytes(events[:end]).split(b"\n\n"):
            if not event.startswith(b"data: "):
                continue  # a comment: `: stream open`, `: keepalive`
            if self._is_token(event):
                tokens += 1
            elif event.startswith(b'data: {"type":"error"'):
                stream.error = json.loads(event[6:]).get("code", "error")
            elif event.startswith((b'data: {"type":"done"', b"data: [DONE]")):
                stream.done = True
        del events[: end + 2]
        if tokens:
            if stream.tokens:
                stream.gaps.append(now - stream.last_token)
                stream.gaps.extend([0.0] * (tokens - 1))
            else:
                stream.first_token = now
                stream.gaps.extend([0.0] * (tokens - 1))
            stream.tokens += tokens
            stream.last_token = now
            self.window.count_tokens(now, tokens)

    def _is_token(self, event: bytes) -> bool:
        if self.service:
            return event.startswith(b'data: {"type":"token"')
        return b'"content":"' in event and b'"content":""' not in event

    def _finish(self, error: str) -> None:
        stream, future = self.stream, self.future
        self.stream = self.future = None
        if stream is None or future is None or future.done():
            return
        stream.ended = time.perf_counter()
        if error and not stream.error:
            stream.error = error
        future.set_result(stream)


@dataclass
class Window:
    """The measurement window, and the tokens counted inside it."""

    start: float
    end: float
    tokens: int = 0

    def count_tokens(self, now: float, tokens: int) -> None:
        if self.start <= now < self.end:
            self.tokens += tokens
