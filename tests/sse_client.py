"""Helpers for reading our own SSE responses in tests."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from app.sse import iter_sse

_ELAPSED = re.compile(rb'"elapsed_seconds":[0-9.e-]+')
_SCORE = re.compile(rb'"score":[0-9.e-]+')


def events(body: bytes) -> list[dict[str, Any]]:
    """Decode a whole SSE body into its JSON events (comments dropped)."""
    return [json.loads(event.data) for event in iter_sse([body])]


def without_elapsed(body: bytes) -> bytes:
    """Blank out the values that differ between runs and retrieval strategies (elapsed time,
    source scores), so bodies compare byte for byte."""
    return _SCORE.sub(b'"score":0', _ELAPSED.sub(b'"elapsed_seconds":0', body))


def expected_stream(
    session_id: str,
    tokens: list[str],
    *,
    tokens_used: int,
    trace_id: str,
    sources: tuple[str, ...],
    message_index: int = 1,
) -> bytes:
    """The exact bytes of a successful stream (elapsed and scores blanked), written out by hand, not by app.sse."""
    sid = session_id.encode()
    chunks = len(sources)
    named = b",".join(b'{"title":"%s","score":0}' % title.encode() for title in sources)
    body = b": stream open\n\n" + b'data: {"type":"retrieval","chunks":%d,"session_id":"%s","sources":[%s]}\n\n' % (
        chunks,
        sid,
        named,
    )
    for token in tokens:
        body += b'data: {"type":"token","content":"%s"}\n\n' % token.encode()
    return body + (
        b'data: {"type":"done","session_id":"%s","chunks_retrieved":%d,"tokens_used":%d,'
        b'"elapsed_seconds":0,"trace_id":"%s","finish_reason":"stop","message_index":%d}\n\n'
        % (sid, chunks, tokens_used, trace_id.encode(), message_index)
    )


def hang_up_after_first_token(response: Any) -> float:
    """Read a streamed `requests` response up to its first token, close it, return when."""
    lines = response.iter_lines()
    while b'"type":"token"' not in next(lines):
        pass
    closed_at = time.monotonic()
    response.close()
    return closed_at
