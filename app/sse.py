"""Server-Sent Events on the wire: encoding our events and decoding an upstream's.

Decoding follows the WHATWG rules: lines end at CRLF, CR or LF only. `str.splitlines()`
must not be used, because it also splits on U+2028 and friends, which LLM text contains.
Clients do use such readers (requests' `iter_lines(decode_unicode=True)`, httpx's
`iter_lines()`): encoding escapes those characters in the JSON, so a token holding one is not
cut in two there.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
# What Python's line readers also break at and JSON leaves raw: escaped, the same text in JSON.
_LINE_BREAKS_IN_JSON = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})
_BOM = "\ufeff".encode()


def encode_event(payload: Mapping[str, Any]) -> bytes:
    """Encode one `data:` event holding compact JSON, terminated by a blank line."""
    return b"data: " + _json_bytes(payload) + b"\n\n"


def encode_token(text: str) -> bytes:
    """Encode a token event; the hot path of every stream, so it skips the dict."""
    return b'data: {"type":"token","content":' + _json_bytes(text) + b"}\n\n"


def _json_bytes(value: Any) -> bytes:
    # errors="replace": an unpaired surrogate (from a broken upstream) is no UTF-8; never a crash.
    return _json.encode(value).translate(_LINE_BREAKS_IN_JSON).encode(errors="replace")


def encode_comment(text: str) -> bytes:
    """Encode an SSE comment line (ignored by clients; keeps proxies and sockets alive)."""
    return b": " + text.encode() + b"\n\n"


@dataclass(slots=True)
class ServerSentEvent:
    """One dispatched event, or one comment line when `comment` is set."""

    data: str = ""
    event: str = "message"
    id: str | None = None
    comment: str | None = None

    def json(self) -> Any:
        """Parse `data` as JSON."""
        return json.loads(self.data)


class SSEDecoder:
    """Incremental decoder: feed it bytes as they arrive, get complete events back."""

    def __init__(self, *, comments: bool = False) -> None:
        self._comments = comments
        self._buffer = b""
        self._data: list[str] = []
        self._data_chars = 0
        self._event = ""
        self._id: str | None = None
        self._started = False  # whether a leading byte order mark can still come
        self._skip_lf = False  # the last chunk ended in a CR: an LF opening the next completes it

    @property
    def pending_bytes(self) -> int:
        """The size of what is held for an event not yet complete (an unfinished line, its data lines)."""
        return len(self._buffer) + self._data_chars

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Consume bytes; return the events completed by them."""
        self._buffer += chunk
        if not self._started:
            # The spec ignores a byte order mark opening the stream (it may come split).
            if len(self._buffer) < len(_BOM) and _BOM.startswith(self._buffer):
                return []
            self._buffer, self._started = self._buffer.removeprefix(_BOM), True
        events: list[ServerSentEvent] = []
        for raw in self._complete_lines():
            event = self._line(raw.decode("utf-8", errors="replace"))
            if event is not None:
                events.append(event)
        return events

    def flush(self) -> list[ServerSentEvent]:
        """End of stream: discard a partial line and an event without its blank line (per the spec)."""
        self._buffer, self._data, self._data_chars, self._event = b"", [], 0, ""
        return []

    def _complete_lines(self) -> Iterator[bytes]:
        buffer = self._buffer
        start = 1 if self._skip_lf and buffer[:1] == b"\n" else 0
        if buffer:
            self._skip_lf = False
        length = len(buffer)
        while True:
            cr = buffer.find(b"\r", start)
            lf = buffer.find(b"\n", start)
            if cr == -1 and lf == -1:
                break
            if cr != -1 and (lf == -1 or cr < lf):
                # A CR ends its line at once, even as the last byte so far (an upstream using
                # CR alone must not wait for its next event); an LF right after it is skipped.
                self._skip_lf = cr == length - 1
                end, after = cr, cr + (2 if buffer[cr + 1 : cr + 2] == b"\n" else 1)
            else:
                end, after = lf, lf + 1
            yield buffer[start:end]
            start = after
        self._buffer = buffer[start:]

    def _line(self, line: str) -> ServerSentEvent | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return ServerSentEvent(comment=line[1:].lstrip(" ")) if self._comments else None
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            self._data.append(value)
            self._data_chars += len(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self._id = value
        return None

    def _dispatch(self) -> ServerSentEvent | None:
        if not self._data:
            self._event = ""
            return None
        event = ServerSentEvent(data="\n".join(self._data), event=self._event or "message", id=self._id)
        self._data, self._data_chars, self._event = [], 0, ""
        return event


def iter_sse(chunks: Iterable[bytes], *, comments: bool = False) -> Iterator[ServerSentEvent]:
    """Decode an iterable of byte chunks into events."""
    decoder = SSEDecoder(comments=comments)
    for chunk in chunks:
        yield from decoder.feed(chunk)
    yield from decoder.flush()
