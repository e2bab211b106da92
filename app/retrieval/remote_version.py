"""Which resume a remote memvid serves, known without waiting on it.

A `.mv2` replaced under `memvid serve` is a new resume, but nothing in a search says so: the
index's content digest (a card ingest writes, `CONTENT_SLOT`) is read in the background at
most every REFRESH_SECONDS, and retrieval keys its caches by the last digest read. A question
never waits for it (one memvid round trip must stay one), so for up to that long after a swap
the old digest is used. A file without the card (older, or another writer's) has no digest:
the caches' TTLs alone bound how long the old resume is served.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from contextlib import suppress

import gevent
from opentelemetry.instrumentation.utils import suppress_instrumentation

from app.errors import RetrievalUnavailable

REFRESH_SECONDS = 2.0


class RemoteIndexVersion:
    """The last content digest read from a remote index ("" until one is read, or when it has none)."""

    def __init__(self, read: Callable[[], str | None], *, timer: Callable[[], float] = time.monotonic) -> None:
        self._read = read
        self._timer = timer
        self._value = ""
        self._read_at = -math.inf
        self._reading: gevent.Greenlet | None = None

    def current(self) -> str:
        """Return the last digest read; start reading it again when it is older than REFRESH_SECONDS."""
        now = self._timer()
        if now - self._read_at >= REFRESH_SECONDS and (self._reading is None or self._reading.dead):
            self._read_at = now
            self._reading = gevent.spawn(self._refresh)
        return self._value

    def _refresh(self) -> None:
        # An outage says nothing of which resume is served: the last digest is kept. Untraced,
        # as health probes are: a read every few seconds must not start traces of its own.
        with suppress(RetrievalUnavailable), suppress_instrumentation():
            self._value = self._read() or ""
