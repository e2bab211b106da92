"""Counting TTL caches."""

from __future__ import annotations

import pytest

from app.state.caches import CountingTTLCache
from tests.fakes import FakeClock as Clock


def test_hits_misses_and_expiry():
    clock = Clock(0.0)
    cache = CountingTTLCache[int]("demo", maxsize=4, ttl=10, timer=clock)
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


def test_failures_are_not_cached():
    cache = CountingTTLCache[int]("demo", maxsize=4, ttl=10)

    def boom() -> int:
        raise RuntimeError("upstream down")

    with pytest.raises(RuntimeError):
        cache.get_or_compute("k", boom)
    assert cache.get_or_compute("k", lambda: 5) == 5


def test_zero_ttl_never_stores_and_clear_empties():
    cache = CountingTTLCache[int]("demo", maxsize=4, ttl=0)
    cache.get_or_compute("k", lambda: 1)
    assert cache.stats().size == 0

    kept = CountingTTLCache[int]("demo", maxsize=4, ttl=10)
    kept.get_or_compute("k", lambda: 1)
    kept.clear()
    assert kept.stats().size == 0
