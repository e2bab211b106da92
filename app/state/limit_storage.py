"""In-process storage for the rate limiter: moving windows that expire when read.

`limits`' own `memory://` storage expires entries from a timer thread it restarts every
10 ms while requests arrive, and each run walks every client seen in the last window:
with 500 clients on one gevent worker that took 14 % of the worker's CPU (bench/). Here
a client's old entries are dropped when that client is next seen, and clients gone quiet
are swept at most once every SWEEP_SECONDS. Same moving-window answers, no thread.
Registered with `limits` under the scheme `window-memory://`.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from limits.storage import MovingWindowSupport, Storage

SWEEP_SECONDS = 10.0


class _Window:
    __slots__ = ("expiry", "hits")

    def __init__(self, expiry: float) -> None:
        self.expiry = expiry
        self.hits: deque[float] = deque()  # hit times, oldest first

    def prune(self, now: float) -> deque[float]:
        hits, oldest_kept = self.hits, now - self.expiry
        while hits and hits[0] <= oldest_kept:
            hits.popleft()
        return hits


class WindowMemoryStorage(Storage, MovingWindowSupport):
    """Moving windows (and plain counters) kept in this process."""

    STORAGE_SCHEME = ["window-memory"]
    URI = "window-memory://"

    def __init__(
        self,
        uri: str | None = None,
        wrap_exceptions: bool = False,
        *,
        clock: Callable[[], float] = time.time,
        **options: Any,
    ) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._clock = clock  # wall-clock seconds: `limits` reports reset times as epoch seconds
        self._lock = threading.Lock()
        self._windows: dict[str, _Window] = {}
        self._counters: dict[str, tuple[int, float]] = {}  # key -> (count, expires at)
        self._swept_at = clock()

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return ValueError

    # -- moving window ---------------------------------------------------------------

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        """Record `amount` hits unless that would put more than `limit` in the last `expiry` seconds."""
        now = self._clock()
        with self._lock:
            self._sweep(now)
            window = self._windows.get(key)
            if window is None:
                window = self._windows[key] = _Window(expiry)
            hits = window.prune(now)
            if len(hits) + amount > limit:
                return False
            hits.extend([now] * amount)
            return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        """Return the time of the oldest hit still in the window, and the number of hits in it."""
        now = self._clock()
        with self._lock:
            window = self._windows.get(key)
            hits = window.prune(now) if window is not None else None
            return (hits[0], len(hits)) if hits else (now, 0)

    def _sweep(self, now: float) -> None:
        if now - self._swept_at < SWEEP_SECONDS:
            return
        self._swept_at = now
        for key in [key for key, window in self._windows.items() if not window.prune(now)]:
            del self._windows[key]
        for key in [key for key, (_, expires) in self._counters.items() if expires <= now]:
            del self._counters[key]

    # -- counters (fixed windows) ----------------------------------------------------

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = self._clock()
        with self._lock:
            count, expires = self._counters.get(key, (0, 0.0))
            if expires <= now:
                count, expires = 0, now + expiry
            self._counters[key] = (count + amount, expires)
            return count + amount

    def get(self, key: str) -> int:
        count, expires = self._counters.get(key, (0, 0.0))
        return count if expires > self._clock() else 0

    def get_expiry(self, key: str) -> float:
        now, expires = self._clock(), self._counters.get(key, (0, 0.0))[1]
        return expires if expires > now else now

    # -- housekeeping ----------------------------------------------------------------

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        with self._lock:
            cleared = len(self._windows) + len(self._counters)
            self._windows.clear()
            self._counters.clear()
        return cleared

    def clear(self, key: str) -> None:
        with self._lock:
            self._windows.pop(key, None)
            self._counters.pop(key, None)
