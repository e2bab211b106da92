"""Helpers for reading our own SSE responses in tests."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from app.sse import iter_sse

_ELAPSED = re.compile(rb'"elapsed_seconds":[0-9.e-]+')


def events(body: bytes) -> list[dict[str, Any]]:
    """Decode a whole SSE body into its JSON events (comments dropped)."""
    return [json.loads(event.data) for event in iter_sse([body])]


def without_elapsed(body: bytes) -> bytes:
    """Blank out the one value that differs between runs, so bodies compare byte for byte."""
    return _ELAPSED.sub(b'"elapsed_seconds":0', body)


def expected_stream(session_id: str, tokens: list[str], *, tokens_used: int, trace_id: str, chunks: int = 2) -> bytes:
    """The exact bytes of a successful stream (elapsed blanked), written out by hand, not by app.sse."""
    sid = session_id.encode()
    body = b": stream open\n\n" + b'data: {"type":"retrieval","chunks":%d,"session_id":"%s"}\n\n' % (chunks, sid)
    for token in tokens:
        body += b'data: {"type":"token","content":"%s"}\n\n' % token.encode()
    return body + (
        b'data: {"type":"done","session_id":"%s","chunks_retrieved":%d,"tokens_used":%d,'
        b'"elapsed_seconds":0,"trace_id":"%s","finish_reason":"stop"}\n\n'
        % (sid, chunks, tokens_used, trace_id.encode())
    )


def hang_up_after_first_token(response: Any) -> float:
    """Read a streamed `requests` response up to its first token, close it, return when."""
    lines = response.iter_lines()
    while b'"type":"token"' not in next(lines):
        pass
    closed_at = time.monotonic()
    response.close()
    return closed_at
