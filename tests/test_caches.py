"""Caches of computed values in this process (app/state/caches.py)."""

from __future__ import annotations

import pytest

from app.state.caches import MemoryCache
from app.telemetry.metrics import CACHE_LOOKUPS, CACHE_REMOVALS
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


def removals(name: str, reason: str) -> float:
    return CACHE_REMOVALS.labels(cache=name, reason=reason)._value.get()


def test_evictions_and_expiries_are_counted_once_by_the_metric():
    clock = Clock(0.0)
    cache = MemoryCache[str]("removals", maxsize=2, ttl=10, timer=clock)
    before = removals("removals", "evicted"), removals("removals", "expired")
    for key in "abc":  # the third pushes the oldest out
        cache.get_or_compute(key, lambda: "value")
    clock.now = 5
    cache.get_or_compute("d", lambda: "value")  # another eviction
    assert (cache.stats().evictions, cache.stats().expiries) == (2, 0)

    clock.now = 14  # c (written at 0) has expired, d (written at 5) has not
    stats = cache.stats()
    assert (stats.size, stats.evictions, stats.expiries) == (1, 2, 1)
    clock.now = 16
    assert cache.stats().expiries == 2
    assert (removals("removals", "evicted") - before[0], removals("removals", "expired") - before[1]) == (2, 2)


def test_clearing_is_neither_an_eviction_nor_an_expiry():
    cache = MemoryCache[int]("cleared", maxsize=2, ttl=10)
    cache.get_or_compute("a", lambda: 1)
    cache.get_or_compute("b", lambda: 2)
    assert cache.clear() == 2
    stats = cache.stats()
    assert (stats.evictions, stats.expiries, stats.memory_bytes, stats.memory_sampled) == (0, 0, 0, 0)


def test_memory_grows_with_what_is_held():
    cache = MemoryCache[str]("sized", maxsize=10, ttl=10)
    cache.get_or_compute("small", lambda: "x")
    small = cache.stats().memory_bytes
    cache.get_or_compute("large", lambda: "x" * 100_000)
    stats = cache.stats()
    assert small is not None
    assert stats.memory_bytes is not None
    assert 100_000 < stats.memory_bytes - small < 101_000
    assert stats.memory_sampled == 2


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
