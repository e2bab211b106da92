"""Caches of computed values: cachetools TTL caches in this process, or Redis (app/state/redis_cache.py).

Hits and misses are counted once, by the `cache_lookups_total` Prometheus counter; a cache's
statistics read that counter back instead of keeping a second tally.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, Literal, Protocol, TypeVar

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
    backend: Literal["memory", "redis"] = "memory"


class Cache(Protocol[V]):
    """A cache of values computed on a miss; failures (exceptions) are never cached."""

    name: str

    def get_or_compute(self, key: str, compute: Callable[[], V]) -> V: ...

    def stats(self) -> CacheStats: ...

    def clear(self) -> int: ...


class LookupCounter:
    """This process's hit and miss counts of one named cache, kept by `cache_lookups_total`.

    The counter is process-wide while a cache belongs to one app: counts start from the
    counter's value when the cache is made, so every app (every test) sees its own.
    """

    def __init__(self, name: str) -> None:
        self._hits = CACHE_LOOKUPS.labels(cache=name, result="hit")
        self._misses = CACHE_LOOKUPS.labels(cache=name, result="miss")
        self._base = self._read()

    def hit(self) -> None:
        self._hits.inc()

    def miss(self) -> None:
        self._misses.inc()

    def counts(self) -> tuple[int, int]:
        """Return (hits, misses) counted since this counter was made."""
        hits, misses = self._read()
        return hits - self._base[0], misses - self._base[1]

    def _read(self) -> tuple[int, int]:
        # A counter child's current value; prometheus_client exposes it through collect().
        return _value(self._hits), _value(self._misses)


def _value(child: object) -> int:
    for metric in child.collect():  # type: ignore[attr-defined]
        for sample in metric.samples:
            if sample.name.endswith("_total"):
                return int(sample.value)
    return 0


class MemoryCache(Generic[V]):
    """A cachetools TTL cache in this process."""

    def __init__(self, name: str, *, maxsize: int, ttl: float, timer: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self._ttl = ttl
        self._cache: TTLCache[Hashable, V] = TTLCache(maxsize=maxsize, ttl=ttl, timer=timer)
        self._lock = threading.Lock()
        self._lookups = LookupCounter(name)

    def get_or_compute(self, key: str, compute: Callable[[], V]) -> V:
        """Return the cached value for `key`, computing and storing it on a miss."""
        with self._lock:
            found = self._cache.get(key, _MISSING)
        if found is not _MISSING:
            self._lookups.hit()
            return found  # type: ignore[return-value]
        self._lookups.miss()
        # Computed outside the lock: a slow upstream must not serialise every caller.
        value = compute()
        if self._ttl > 0:
            with self._lock:
                self._cache[key] = value
        return value

    def stats(self) -> CacheStats:
        """Return size, settings and this process's hit/miss counts."""
        with self._lock:
            self._cache.expire()
            size = len(self._cache)
        hits, misses = self._lookups.counts()
        return CacheStats(self.name, size, int(self._cache.maxsize), self._ttl, hits, misses)

    def clear(self) -> int:
        """Drop every entry (counts are kept); return how many there were."""
        with self._lock:
            dropped = len(self._cache)
            self._cache.clear()
        return dropped


_MISSING = object()
