"""The rate limiter's in-process moving windows (app/state/limit_storage.py)."""

from __future__ import annotations

import pytest
from limits import RateLimitItemPerMinute
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from app.state.limit_storage import SWEEP_SECONDS, WindowMemoryStorage
from tests.fakes import FakeClock as Clock


@pytest.fixture
def clock() -> Clock:
    return Clock(1_000_000.0)


def test_the_scheme_is_registered_with_limits():
    assert isinstance(storage_from_string(WindowMemoryStorage.URI), WindowMemoryStorage)


def test_a_moving_window_admits_limit_hits_then_frees_them_one_by_one(clock):
    limiter = MovingWindowRateLimiter(WindowMemoryStorage(clock=clock))
    three = RateLimitItemPerMinute(3)

    admitted = []
    for _ in range(4):
        admitted.append(limiter.hit(three, "1.2.3.4"))
        clock.now += 10
    assert admitted == [True, True, True, False]
    assert limiter.hit(three, "5.6.7.8")  # another client has its own window

    clock.now = 1_000_000.0 + 60.5  # the first hit has left the window, the others not
    assert limiter.hit(three, "1.2.3.4")
    assert not limiter.hit(three, "1.2.3.4")
    stats = limiter.get_window_stats(three, "1.2.3.4")
    assert stats.remaining == 0
    assert stats.reset_time == pytest.approx(1_000_000.0 + 10 + 60)


def test_a_request_for_more_than_the_limit_is_refused(clock):
    assert not WindowMemoryStorage(clock=clock).acquire_entry("k", limit=2, expiry=60, amount=3)


def test_quiet_clients_are_swept(clock):
    storage = WindowMemoryStorage(clock=clock)
    storage.acquire_entry("quiet", limit=5, expiry=60)
    clock.now += 61 + SWEEP_SECONDS
    storage.acquire_entry("busy", limit=5, expiry=60)

    assert list(storage._windows) == ["busy"]


def test_counters_expire(clock):
    storage = WindowMemoryStorage(clock=clock)
    assert storage.incr("k", expiry=60) == 1
    assert storage.incr("k", expiry=60) == 2
    assert storage.get("k") == 2
    clock.now += 61
    assert storage.get("k") == 0
    assert storage.incr("k", expiry=60) == 1
    assert storage.reset() == 1
