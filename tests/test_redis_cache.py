"""Caches shared through a real redis-server (app/state/redis_cache.py)."""

from __future__ import annotations

import pytest

from app.state.redis_cache import RedisCache
from app.state.redis_link import RedisLink, RedisUnavailable


def cache(server, *, ttl: float = 60, name: str = "demo") -> RedisCache[int]:
    link = RedisLink.from_url(server.url, timeout=0.3, max_connections=4)
    return RedisCache(link, name, ttl=ttl, encode=str, decode=int)


def test_a_value_computed_by_one_worker_is_a_hit_for_another(redis_server):
    first, second = cache(redis_server), cache(redis_server)
    calls: list[int] = []

    assert first.get_or_compute("k", lambda: calls.append(1) or 7) == 7
    assert second.get_or_compute("k", lambda: calls.append(1) or 8) == 7

    assert calls == [1]
    stats = second.stats()
    assert (stats.size, stats.hits, stats.misses, stats.ttl_seconds, stats.backend) == (1, 1, 1, 60, "redis")
    # Redis expires and evicts the entries itself: not counted. Memory is measured by Redis.
    assert (stats.evictions, stats.expiries, stats.memory_sampled) == (None, None, 1)
    assert stats.memory_bytes is not None
    assert stats.memory_bytes > 0


def test_entries_expire_with_the_ttl(redis_server):
    import time

    shared = cache(redis_server, ttl=0.2)
    shared.get_or_compute("k", lambda: 1)
    time.sleep(0.3)
    assert shared.get_or_compute("k", lambda: 2) == 2


def test_failures_are_not_cached_and_zero_ttl_stores_nothing(redis_server):
    shared = cache(redis_server)

    def boom() -> int:
        raise RuntimeError("upstream down")

    with pytest.raises(RuntimeError):
        shared.get_or_compute("k", boom)
    assert shared.get_or_compute("k", lambda: 5) == 5

    uncached = cache(redis_server, ttl=0, name="off")
    uncached.get_or_compute("k", lambda: 1)
    assert uncached.stats().size == 0


def test_clear_drops_only_this_caches_entries(redis_server):
    one, other = cache(redis_server, name="one"), cache(redis_server, name="other")
    one.get_or_compute("a", lambda: 1)
    one.get_or_compute("b", lambda: 2)
    other.get_or_compute("a", lambda: 3)

    assert one.clear() == 2
    assert (one.stats().size, other.stats().size) == (0, 1)


def test_without_redis_every_lookup_computes(redis_server):
    shared = cache(redis_server)
    shared.get_or_compute("k", lambda: 1)
    redis_server.stop()

    assert shared.get_or_compute("k", lambda: 2) == 2
    with pytest.raises(RedisUnavailable):
        shared.stats()
