"""The worker's Redis link: redaction, timeouts, one warning per state change (app/state/redis_link.py)."""

from __future__ import annotations

import time

import pytest
import structlog

from app.state import redis_link
from app.state.redis_link import RedisLink, RedisUnavailable, redacted


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://localhost:6379/0", "redis://localhost:6379/0"),
        ("redis://:s3cret@cache:6379/1", "redis://:***@cache:6379/1"),
        ("rediss://app:s3cret@cache.example:6380", "rediss://app:***@cache.example:6380"),
    ],
)
def test_a_password_is_never_shown(url, shown):
    assert redacted(url) == shown


def link_to(server) -> RedisLink:
    client = redis_link.connect(server.url, timeout=0.3, max_connections=4)
    return RedisLink(client, url=server.url)


def test_a_password_in_the_url_authenticates(tmp_path):
    from tests.conftest import require_binary
    from tests.redis_server import running

    with running(require_binary("redis-server"), tmp_path, password="s3cret") as server:
        link = link_to(server)
        assert link.ping()
        assert "s3cret" not in link.shown_url


def test_one_warning_when_redis_goes_and_one_when_it_is_back(redis_server):
    link = link_to(redis_server)
    assert link.ping()
    redis_server.stop()

    with structlog.testing.capture_logs() as logs:
        for _ in range(5):
            assert not link.ping()
        redis_server.start()
        # The background probe pings every RETRY_SECONDS: the link comes back without any call.
        deadline = time.monotonic() + 3 * redis_link.RETRY_SECONDS
        while not link.up and time.monotonic() < deadline:
            time.sleep(0.05)
        assert link.up
        assert link.ping()

    assert [entry["event"] for entry in logs] == ["redis.unavailable", "redis.recovered"]
    assert all(redis_server.password is None or redis_server.password not in str(e) for e in logs)


def test_a_frozen_redis_costs_one_timeout_then_nothing(redis_server):
    link = link_to(redis_server)
    assert link.ping()
    redis_server.freeze()
    try:
        first = seconds_to_fail(link)
        second = seconds_to_fail(link)
        time.sleep(redis_link.RETRY_SECONDS + 0.2)  # past the background probe's first ping
        later = seconds_to_fail(link)
    finally:
        redis_server.thaw()

    assert 0.25 <= first < 0.8  # the 0.3 s socket timeout, not a retry series
    # The link is down: no call of a request goes out (each request of a quiet site was the
    # probe, and with a hanging Redis every one paid a timeout).
    assert second < 0.05
    assert later < 0.05


def seconds_to_fail(link: RedisLink) -> float:
    started = time.monotonic()
    with pytest.raises(RedisUnavailable):
        link.run(lambda client: client.get("k"))
    return time.monotonic() - started


def test_a_busy_pool_fails_the_call_but_redis_stays_up(redis_server):
    client = redis_link.connect(redis_server.url, timeout=0.3, max_connections=1)
    link = RedisLink(client, url=redis_server.url)
    busy = client.connection_pool.get_connection()  # the pool's one connection, taken

    with pytest.raises(RedisUnavailable):
        link.run(lambda c: c.get("k"))
    client.connection_pool.release(busy)

    assert link.up
    assert link.run(lambda c: c.get("k")) is None


@pytest.mark.parametrize(
    "refused",
    [
        lambda client: client.lrange("resume:test:a-string", 0, -1),  # WRONGTYPE
        lambda client: client.hincrby("resume:test:a-hash", "field", 1),  # "hash value is not an integer"
        lambda client: client.eval("return 1 + nil", 0),  # a script failing on what it read
    ],
    ids=["wrong_type", "not_an_integer", "script_error"],
)
def test_one_key_s_data_refused_is_a_data_error_and_redis_stays_up(redis_server, refused):
    # It was an outage: Redis away from every request for a probe interval, each time the key was read.
    client = redis_server.client()
    client.set("resume:test:a-string", "x")
    client.hset("resume:test:a-hash", "field", "abc")
    link = link_to(redis_server)

    with structlog.testing.capture_logs() as logs, pytest.raises(redis_link.RedisDataError) as refusal:
        link.run(refused)

    assert link.up
    assert link.run(lambda c: c.ping())
    assert refusal.value.redis_said
    assert [entry["event"] for entry in logs] == []


def test_a_redis_refusing_writes_is_still_an_outage(redis_server):
    client = redis_server.client()
    client.config_set("min-replicas-to-write", 1)  # "NOREPLICAS": a Redis in trouble, no key's fault
    link = link_to(redis_server)
    try:
        with pytest.raises(RedisUnavailable) as refusal:
            link.run(lambda c: c.set("resume:test:key", "1"))
        assert not isinstance(refusal.value, redis_link.RedisDataError)
        assert not link.up
    finally:
        client.config_set("min-replicas-to-write", 0)
