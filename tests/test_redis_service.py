"""Two gunicorn instances (two gevent workers each) sharing one real redis-server: they behave
as one service, and Redis going away and coming back is not an outage."""

from __future__ import annotations

import concurrent.futures
import contextlib
import itertools
import time
from collections.abc import Iterator

import pytest
import requests

from tests.conftest import require_binary
from tests.fake_llm import FakeLLMServer
from tests.fake_memvid import FakeMemvidServer, hit
from tests.redis_server import RedisServer
from tests.servers import Service, gunicorn, service_env

LIMIT = 5
_addresses = (f"10.0.{n // 250}.{n % 250 + 1}" for n in itertools.count())


@pytest.fixture(scope="module")
def redis(tmp_path_factory) -> Iterator[RedisServer]:
    server = RedisServer(require_binary("redis-server"), tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def instances(redis, tmp_path_factory) -> Iterator[tuple[Service, Service]]:
    memvid = FakeMemvidServer()
    memvid.fake.hits = [hit("Experience — Cloudco", 3.5, "Ran Kubernetes on AWS.")]
    memvid.start()
    env = {
        "REDIS_URL": redis.url,
        "REDIS_TIMEOUT_SECONDS": "0.5",
        "RATE_LIMIT_PER_MINUTE": str(LIMIT),
        "TRUSTED_PROXY_COUNT": "1",  # each test speaks as its own client addresses
    }
    with FakeLLMServer() as llm, contextlib.ExitStack() as stack:
        config = service_env(memvid.target, llm.base_url, **env)
        first = stack.enter_context(gunicorn(config, tmp_path_factory.mktemp("a"), workers=2))
        second = stack.enter_context(gunicorn(config, tmp_path_factory.mktemp("b"), workers=2))
        yield first, second
    memvid.stop()


def ask(service: Service, client: str, **fields) -> requests.Response:
    body = {"message": "What cloud work has Ada done?", "stream": False, **fields}
    return requests.post(f"{service.url}/api/v1/chat", json=body, headers={"X-Forwarded-For": client}, timeout=10)


def rate(service: Service, session_id: str) -> requests.Response:
    url = f"{service.url}/api/v1/chat/{session_id}/feedback"
    return requests.post(url, json={"rating": "up"}, headers={"X-Forwarded-For": next(_addresses)}, timeout=10)


def health(service: Service) -> dict:
    return requests.get(f"{service.url}/api/v1/health", timeout=5).json()


def burst(instances: tuple[Service, Service], client: str, count: int) -> list[int]:
    """Send `count` requests at once from one client, alternating between the instances."""
    with concurrent.futures.ThreadPoolExecutor(count) as pool:
        futures = [pool.submit(ask, instances[n % 2], client) for n in range(count)]
        return sorted(future.result().status_code for future in futures)


def test_a_conversation_started_on_one_instance_continues_on_the_other(instances, redis):
    first, second = instances
    sid = ask(first, next(_addresses)).json()["session_id"]
    assert ask(second, next(_addresses), session_id=sid).json()["session_id"] == sid

    assert redis.client().llen(f"resume:session:{sid}:messages") == 4


def test_a_limit_holds_exactly_across_both_instances(instances):
    assert burst(instances, next(_addresses), 4 * LIMIT) == [200] * LIMIT + [429] * (3 * LIMIT)


def test_redis_killed_and_restarted_loses_no_request_and_both_recover(instances, redis):
    answered: list[int] = []
    for n in range(8):
        answered.append(ask(instances[n % 2], next(_addresses)).status_code)
    rated = ask(instances[0], next(_addresses)).json()["session_id"]
    redis.stop()
    refused = rate(instances[1], rated)  # the session may exist (this Redis restarts empty, a real one keeps it)
    assert (refused.status_code, refused.json()["code"]) == (503, "sessions_unavailable")
    assert refused.headers["Retry-After"] == "1"
    for n in range(8):
        started = time.monotonic()
        answered.append(ask(instances[n % 2], next(_addresses)).status_code)
        assert time.monotonic() - started < 2
    assert all(health(s)["redis"] == "unavailable" for s in instances for _ in range(4))
    redis.start()

    assert answered == [200] * 16
    wait_for(lambda: all(health(s)["status"] == "healthy" for s in instances for _ in range(4)), 15)
    # Sessions are shared again, and every worker's rate limiter is back on Redis (Flask-Limiter
    # re-checks its storage after 1, 2, 4 ... seconds): the limit is exact across both again.
    test_a_conversation_started_on_one_instance_continues_on_the_other(instances, redis)
    wait_for(lambda: burst(instances, next(_addresses), 2 * LIMIT).count(200) == LIMIT, 40)
    for service in instances:
        log = service.log()
        assert "redis.unavailable" in log
        assert "redis.recovered" in log


def wait_for(condition, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not recovered in time"
        time.sleep(0.5)
