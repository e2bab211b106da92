"""The rate limiter's storage through the worker's Redis link (app/state/redis_limits.py)."""

from __future__ import annotations

import time

import pytest
from limits import RateLimitItemPerMinute
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter, SlidingWindowCounterRateLimiter

from app.state import redis_link
from app.state.redis_limits import LinkedRedisStorage
from app.state.redis_link import RedisLink, RedisUnavailable

TWO_PER_MINUTE = RateLimitItemPerMinute(2)
STRATEGIES = [MovingWindowRateLimiter, FixedWindowRateLimiter, SlidingWindowCounterRateLimiter]


@pytest.fixture
def link(redis_server):
    client = redis_link.connect(redis_server.url, timeout=0.3, max_connections=4)
    yield RedisLink(client, url=redis_server.url)
    client.close()


@pytest.mark.parametrize("strategy", STRATEGIES, ids=lambda s: s.__name__)
def test_each_strategy_counts_in_redis(link, strategy):
    storage = storage_from_string(LinkedRedisStorage.URI, link=link)
    limiter = strategy(storage)

    assert [limiter.hit(TWO_PER_MINUTE, "client") for _ in range(3)] == [True, True, False]
    assert limiter.get_window_stats(TWO_PER_MINUTE, "client").remaining == 0
    assert any(key.startswith(b"LIMITS:") for key in link.client.scan_iter("LIMITS:*"))
    limiter.clear(TWO_PER_MINUTE, "client")
    assert limiter.hit(TWO_PER_MINUTE, "client")
    assert storage.check()
    assert storage.reset() >= 1


@pytest.mark.parametrize("strategy", STRATEGIES, ids=lambda s: s.__name__)
def test_while_the_link_is_down_every_call_fails_at_once(link, redis_server, strategy):
    storage = LinkedRedisStorage(link=link)
    limiter = strategy(storage)
    redis_server.freeze()
    try:
        with pytest.raises(RedisUnavailable):
            limiter.hit(TWO_PER_MINUTE, "client")  # one timeout: the link goes down
        started = time.monotonic()
        for call in (
            lambda: limiter.hit(TWO_PER_MINUTE, "client"),
            lambda: limiter.get_window_stats(TWO_PER_MINUTE, "client"),
            lambda: limiter.clear(TWO_PER_MINUTE, "client"),
            storage.reset,
        ):
            with pytest.raises(storage.base_exceptions):
                call()
        assert not storage.check()
        assert time.monotonic() - started < 0.3  # not one of them waited for the hanging Redis
    finally:
        redis_server.thaw()
