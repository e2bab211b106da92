"""The app with REDIS_URL set: state shared between app instances (workers), and Redis trouble
is not an outage (app/state/shared.py, with rate_limit and health)."""

from __future__ import annotations

import threading

import pytest

from app.components import components
from app.config import load_settings
from app.factory import create_app
from app.state.memory_sessions import MemorySessionStore
from app.state.shared import build_shared_state
from tests.fakes import FakeMemvid, ScriptedAnswerer

CHAT = "/api/v1/chat"


@pytest.fixture
def redis_config(app_config, redis_server) -> dict:
    return {**app_config, "redis_url": redis_server.url, "redis_timeout_seconds": 0.3}


def worker(config: dict, memvid: FakeMemvid | None = None):
    """One app instance: as one gunicorn worker would build it."""
    return create_app(config, memvid=memvid or FakeMemvid(), llm=ScriptedAnswerer()).test_client()


def ask(client, **fields):
    return client.post(CHAT, json={"message": "What cloud work has Ada done?", "stream": False, **fields})


def test_without_redis_url_state_stays_in_memory(app_config):
    shared = build_shared_state(load_settings(app_config))
    assert isinstance(shared.sessions, MemorySessionStore)
    assert (shared.caches, shared.redis) == (None, None)


def test_a_conversation_continues_on_another_worker(redis_config):
    first, second = worker(redis_config), worker(redis_config)
    sid = ask(first).get_json()["session_id"]
    ask(second, session_id=sid)

    session = components(second.application).sessions.get(sid)
    assert [m.role for m in session.messages] == ["user", "assistant", "user", "assistant"]


def test_passages_found_by_one_worker_are_shared(redis_config):
    one, other = FakeMemvid(), FakeMemvid()
    ask(worker(redis_config, one))
    ask(worker(redis_config, other))

    assert one.queries
    assert other.queries == []


def test_a_limit_holds_exactly_across_workers(redis_config):
    config = {**redis_config, "rate_limit_per_minute": 3}
    workers = [worker(config) for _ in range(2)]
    statuses: list[int] = []

    def request(n: int) -> None:
        statuses.append(ask(workers[n % 2]).status_code)

    threads = [threading.Thread(target=request, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200] * 3 + [429] * 9


def test_health_names_redis(redis_config, redis_server, app_config):
    client = worker(redis_config)
    assert client.get("/api/v1/health").get_json()["redis"] == "connected"
    assert client.get("/api/v1/health").get_json()["status"] == "healthy"
    assert worker(app_config).get("/api/v1/health").get_json()["redis"] == "not_configured"

    redis_server.stop()
    body = client.get("/api/v1/health").get_json()
    assert (body["status"], body["redis"]) == ("degraded", "unavailable")
    assert redis_server.password is None or redis_server.password not in str(body)


def test_without_redis_chat_answers_as_a_new_conversation_and_still_limits(redis_config, redis_server):
    config = {**redis_config, "rate_limit_per_minute": 2}
    client = worker(config)
    sid = ask(client).get_json()["session_id"]
    redis_server.stop()

    answers = [ask(client, session_id=sid) for _ in range(2)]

    # Rate limiting falls back to this worker's memory, which starts counting afresh.
    assert [r.status_code for r in answers] == [200, 200]
    assert answers[0].get_json()["session_id"] == sid
    assert ask(client).status_code == 429


def test_redis_failing_after_admission_still_answers_without_headers(redis_config, redis_server):
    client = worker(redis_config)
    # Runs before the limiter's header hook (Flask calls after_request hooks last-first).
    client.application.after_request(lambda response: (redis_server.stop(), response)[1])

    response = ask(client)

    assert response.status_code == 200
    assert "X-RateLimit-Remaining" not in response.headers


def test_a_hanging_redis_costs_one_request_one_timeout(redis_config, redis_server, monkeypatch):
    import time

    client = worker(redis_config)  # REDIS_TIMEOUT_SECONDS=0.3
    sid = ask(client).get_json()["session_id"]
    # Counted rather than timed: on a loaded CI machine a request that never touches Redis can
    # still take longer than one timeout. The background probe runs on its own thread.
    pool = components(client.application).redis.client.connection_pool
    checkout, me, touches = pool.get_connection, threading.get_ident(), [0]

    def counted(*args, **kwargs):
        touches[0] += threading.get_ident() == me
        return checkout(*args, **kwargs)

    monkeypatch.setattr(pool, "get_connection", counted)
    time.sleep(1.1)  # as in production, the limiter was made more than 1 s before the outage
    redis_server.freeze()
    try:
        waits = []  # (calls this request sent to Redis, seconds it took)
        for _ in range(4):
            touches[0], started = 0, time.monotonic()
            assert ask(client, session_id=sid).status_code == 200
            waits.append((touches[0], time.monotonic() - started))
    finally:
        redis_server.thaw()

    # The rate limiter notices, and its failure takes the worker's link down: its own health
    # check as it falls back, the model budget and the session store then fail at once.
    assert waits[0][0] == 1
    assert waits[0][1] < 3 * 0.3  # one timeout, and the rest of a request on a loaded machine
    # While the link is down nothing is sent, Flask-Limiter's later checks of its storage included.
    assert sum(sent for sent, _ in waits[1:]) == 0


def test_what_retrieval_found_survives_the_trip_through_redis(redis_config):
    from app.retrieval.types import Passage, Retrieval
    from app.state.shared import build_shared_state

    found = Retrieval((Passage("Skills", "Go, Python", 0.5, ("go",)),), ("go", "python"), ("lexical",))
    caches = build_shared_state(load_settings(redis_config)).caches
    caches.passages.get_or_compute("go", lambda: found)

    assert caches.passages.get_or_compute("go", lambda: Retrieval(())) == found


def test_an_error_the_limiter_swallows_is_one_warning_line_not_a_traceback(caplog):
    # Flask-Limiter logs it at ERROR with Redis's whole traceback, beside the link's own
    # redis.unavailable warning (ops audit).
    import logging

    import app.api.rate_limit  # noqa: F401  (installs the filter on the limiter's logger)

    caplog.set_level(logging.DEBUG, logger="flask-limiter")
    try:
        raise ConnectionError("Redis went away")
    except ConnectionError:
        logging.getLogger("flask-limiter").exception("Failed to rate limit. Swallowing error")
    logging.getLogger("flask-limiter").error("something else")

    swallowed, other = caplog.records[-2:]
    assert (swallowed.levelno, swallowed.exc_info) == (logging.WARNING, None)
    assert "Traceback" not in caplog.text
    assert other.levelno == logging.ERROR
