"""Helpers for reading our own SSE responses in tests."""

from __future__ import annotations

import json
import re
from typing import Any

from app.sse import iter_sse

_ELAPSED = re.compile(rb'"elapsed_seconds":[0-9.e-]+')


def events(body: bytes) -> list[dict[str, Any]]:
    """Decode a whole SSE body into its JSON events (comments dropped)."""
    return [json.loads(event.data) for event in iter_sse([body])]


def without_elapsed(body: bytes) -> bytes:
    """Blank out the one value that differs between runs, so bodies compare byte for byte."""
    return _ELAPSED.sub(b'"elapsed_seconds":0', body)
