"""In-process TTL caches that count their hits and misses.

The same small surface (`get_or_compute`, `stats`, `clear`) is what a Redis-backed cache
will implement when caches are shared across workers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from cachetools import TTLCache

from app.telemetry.metrics import CACHE_LOOKUPS

V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class CacheStats:
    name: str
    size: int
    maxsize: int
    ttl_seconds: float
    hits: int
    misses: int


class CountingTTLCache(Generic[V]):
    """A TTL cache of computed values; failures (exceptions) are never cached."""

    def __init__(self, name: str, *, maxsize: int, ttl: float, timer: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self._ttl = ttl
        self._cache: TTLCache[Hashable, V] = TTLCache(maxsize=maxsize, ttl=ttl, timer=timer)
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0

    def get_or_compute(self, key: Hashable, compute: Callable[[], V]) -> V:
        """Return the cached value for `key`, computing and storing it on a miss."""
        with self._lock:
            if key in self._cache:
                self._hits += 1
                CACHE_LOOKUPS.labels(cache=self.name, result="hit").inc()
                return self._cache[key]
            self._misses += 1
        CACHE_LOOKUPS.labels(cache=self.name, result="miss").inc()
        # Computed outside the lock: a slow upstream must not serialise every caller.
        value = compute()
        if self._ttl > 0:
            with self._lock:
                self._cache[key] = value
        return value

    def stats(self) -> CacheStats:
        """Return size and hit/miss counts."""
        with self._lock:
            self._cache.expire()
            return CacheStats(
                self.name, len(self._cache), int(self._cache.maxsize), self._ttl, self._hits, self._misses
            )

    def clear(self) -> None:
        """Drop every entry (counts are kept)."""
        with self._lock:
            self._cache.clear()
