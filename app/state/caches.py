"""Caches of computed values: cachetools TTL caches in this process, or Redis (app/state/redis_cache.py).

Hits and misses are counted once, by the `cache_lookups_total` Prometheus counter, and entries
evicted or expired by `cache_removals_total`; a cache's statistics read those counters back
instead of keeping a second tally.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, Literal, Protocol, TypeVar

from cachetools import TTLCache
from prometheus_client import Counter

from app.state.footprint import approximate_bytes
from app.telemetry.metrics import CACHE_LOOKUPS, CACHE_REMOVALS

K = TypeVar("K", bound=Hashable)
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
    evictions: int | None = None  # None: not counted by this backend
    expiries: int | None = None
    memory_bytes: int | None = None  # approximate; extrapolated from `memory_sampled` entries
    memory_sampled: int = 0


class Cache(Protocol[V]):
    """A cache of values computed on a miss; failures (exceptions) are never cached."""

    name: str

    def get_or_compute(self, key: str, compute: Callable[[], V]) -> V: ...

    def stats(self) -> CacheStats: ...

    def clear(self) -> int: ...


class CounterReading:
    """One cache's children of a labelled Prometheus counter, read back as counts since this object was made.

    The counter is process-wide while a cache belongs to one app: counts start from the
    counter's value when the cache is made, so every app (every test) sees its own.
    """

    def __init__(self, counter: Counter, name: str, label: str, values: tuple[str, ...]) -> None:
        self._children = {value: counter.labels(cache=name, **{label: value}) for value in values}
        self._base = self._read()

    def inc(self, value: str, amount: int = 1) -> None:
        self._children[value].inc(amount)

    def counts(self) -> dict[str, int]:
        """Return each label value's count since this reading was made."""
        return {value: count - self._base[value] for value, count in self._read().items()}

    def _read(self) -> dict[str, int]:
        return {value: _value(child) for value, child in self._children.items()}


class LookupCounter:
    """This process's hit and miss counts of one named cache, kept by `cache_lookups_total`."""

    def __init__(self, name: str) -> None:
        self._reading = CounterReading(CACHE_LOOKUPS, name, "result", ("hit", "miss"))

    def hit(self) -> None:
        self._reading.inc("hit")

    def miss(self) -> None:
        self._reading.inc("miss")

    def counts(self) -> tuple[int, int]:
        """Return (hits, misses) counted since this counter was made."""
        counts = self._reading.counts()
        return counts["hit"], counts["miss"]


class RemovalCounter:
    """This process's evicted and expired entries of one named cache, kept by `cache_removals_total`."""

    def __init__(self, name: str) -> None:
        self._reading = CounterReading(CACHE_REMOVALS, name, "reason", ("evicted", "expired"))

    def evicted(self, count: int = 1) -> None:
        self._reading.inc("evicted", count)

    def expired(self, count: int) -> None:
        self._reading.inc("expired", count)

    def counts(self) -> tuple[int, int]:
        """Return (evictions, expiries) counted since this counter was made."""
        counts = self._reading.counts()
        return counts["evicted"], counts["expired"]


def _value(child: object) -> int:
    # A counter child's current value; prometheus_client exposes it through collect().
    for metric in child.collect():  # type: ignore[attr-defined]
        for sample in metric.samples:
            if sample.name.endswith("_total"):
                return int(sample.value)
    return 0


class CountedTTLCache(TTLCache[K, V]):
    """A cachetools TTLCache that counts the entries it evicts (full) and expires (TTL passed)."""

    def __init__(self, name: str, *, maxsize: int, ttl: float, timer: Callable[[], float]) -> None:
        super().__init__(maxsize=maxsize, ttl=ttl, timer=timer)
        self.removals = RemovalCounter(name)

    def popitem(self) -> tuple[K, V]:
        # cachetools calls popitem only to make room for a new entry (its clear() does not).
        item = super().popitem()
        self.removals.evicted()
        return item

    def expire(self, time: float | None = None) -> list[tuple[K, V]]:
        # Every expired entry leaves through here: on a write, on popitem and on our stats().
        expired = super().expire(time)
        if expired:
            self.removals.expired(len(expired))
        return expired

    def stats(self, name: str, ttl: float, lookups: LookupCounter) -> CacheStats:
        """Return this cache's statistics (call under the owner's lock): expired entries are dropped first."""
        self.expire()
        memory, sampled = approximate_bytes(self.items(), len(self))
        evictions, expiries = self.removals.counts()
        hits, misses = lookups.counts()
        return CacheStats(
            name, len(self), int(self.maxsize), ttl, hits, misses, "memory", evictions, expiries, memory, sampled
        )


class MemoryCache(Generic[V]):
    """A cachetools TTL cache in this process."""

    def __init__(self, name: str, *, maxsize: int, ttl: float, timer: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self._ttl = ttl
        self._cache: CountedTTLCache[Hashable, V] = CountedTTLCache(name, maxsize=maxsize, ttl=ttl, timer=timer)
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
        """Return size, settings, approximate memory and this process's counts."""
        with self._lock:
            return self._cache.stats(self.name, self._ttl, self._lookups)

    def clear(self) -> int:
        """Drop every entry (counts are kept); return how many there were."""
        with self._lock:
            dropped = len(self._cache)
            self._cache.clear()
        return dropped


_MISSING = object()
