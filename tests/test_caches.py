"""Caches of computed values in this process (app/state/caches.py)."""

from __future__ import annotations

import pytest

from app.state.caches import MemoryCache
from app.telemetry.metrics import CACHE_LOOKUPS
from tests.fakes import FakeClock as Clock


def counter(name: str, result: str) -> float:
    return CACHE_LOOKUPS.labels(cache=name, result=result)._value.get()


def test_hits_misses_and_expiry():
    clock = Clock(0.0)
    cache = MemoryCache[int]("demo", maxsize=4, ttl=10, timer=clock)
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert cache.get_or_compute("k", compute) == 1
    assert cache.get_or_compute("k", compute) == 1
    clock.now = 11
    assert cache.get_or_compute("k", compute) == 2

    stats = cache.stats()
    assert (stats.hits, stats.misses, stats.size, stats.maxsize, stats.ttl_seconds) == (1, 2, 1, 4, 10)


def test_counts_are_the_prometheus_counter_not_a_second_tally():
    cache = MemoryCache[int]("counted-once", maxsize=4, ttl=10)
    before = counter("counted-once", "hit"), counter("counted-once", "miss")
    cache.get_or_compute("k", lambda: 1)
    cache.get_or_compute("k", lambda: 1)

    # The metric moved by exactly what the stats report.
    stats = cache.stats()
    assert (counter("counted-once", "hit") - before[0], counter("counted-once", "miss") - before[1]) == (1, 1)
    assert (stats.hits, stats.misses) == (1, 1)
    # A later cache of the same name (a new app in the same process) starts from zero.
    assert MemoryCache[int]("counted-once", maxsize=4, ttl=10).stats().hits == 0


def test_failures_are_not_cached():
    cache = MemoryCache[int]("demo", maxsize=4, ttl=10)

    def boom() -> int:
        raise RuntimeError("upstream down")

    with pytest.raises(RuntimeError):
        cache.get_or_compute("k", boom)
    assert cache.get_or_compute("k", lambda: 5) == 5


def test_zero_ttl_never_stores_and_clear_empties():
    cache = MemoryCache[int]("demo", maxsize=4, ttl=0)
    cache.get_or_compute("k", lambda: 1)
    assert cache.stats().size == 0

    kept = MemoryCache[int]("demo", maxsize=4, ttl=10)
    kept.get_or_compute("k", lambda: 1)
    assert kept.clear() == 1
    assert kept.stats().size == 0
