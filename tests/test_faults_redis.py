"""Redis faults end to end: real gunicorn (one gevent worker) with REDIS_URL on a real
redis-server (tests/redis_server.py) that a row stops, freezes or restarts. Chat must keep
answering, each time within a couple of Redis timeouts, every stream must still end with its
terminal event, nothing may be left open, the service must come back to Redis by itself,
and the Redis password must never be shown or logged."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from app.state.redis_link import RETRY_SECONDS
from app.state.redis_session_layout import session_keys
from tests.conftest import require_binary
from tests.fake_llm import stream
from tests.fake_memvid import FakeMemvidServer, hit
from tests.redis_server import RedisServer
from tests.servers import API_KEY, free_port, gunicorn, service_env
from tests.service_probe import FOLLOW_UP, QUESTION, Probe, assert_no_secrets, history_sent, new_session

PASSWORD = "redis-password-canary-3c9d"
TIMEOUT = 0.3  # REDIS_TIMEOUT_SECONDS


@pytest.fixture(scope="module")
def redis(tmp_path_factory) -> Iterator[RedisServer]:
    server = RedisServer(require_binary("redis-server"), tmp_path_factory.mktemp("redis"), password=PASSWORD)
    server.start()
    yield server
    server.thaw() if server.process is not None else None
    server.stop()


@pytest.fixture(scope="module")
def probe(redis, llm, tmp_path_factory) -> Iterator[Probe]:
    memvid = FakeMemvidServer()
    memvid.fake.hits = [hit("Skills", 2.0, "Go, Python")]
    memvid.start()
    env = service_env(memvid.target, llm.base_url, REDIS_URL=redis.url, REDIS_TIMEOUT_SECONDS=str(TIMEOUT))
    with gunicorn(env, tmp_path_factory.mktemp("faults-redis")) as service:
        probe = Probe(service)
        yield probe
        probe.close()
    memvid.stop()


def redis_status(probe: Probe) -> str:
    return str(probe.request("GET", "/api/v1/health").json().get("redis"))


def wait_until_redis_is_back(probe: Probe, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while redis_status(probe) == "unavailable":
        assert time.monotonic() < deadline, "the service did not come back to Redis"
        time.sleep(0.2)


@pytest.fixture(autouse=True)
def redis_running_between_rows(redis, probe):
    yield
    if redis.process is None:
        redis.start()
    else:
        redis.thaw()
    wait_until_redis_is_back(probe)


def _stop(redis: RedisServer) -> None:
    redis.stop()


def _freeze(redis: RedisServer) -> None:
    redis.freeze()


@pytest.mark.parametrize(("name", "fault"), [("refused", _stop), ("hanging", _freeze)], ids=["refused", "hanging"])
def test_chat_answers_while_redis_is_away(probe, redis, llm, name, fault):
    session_id = new_session()
    probe.chat_events(session_id=session_id)  # a turn kept while Redis is there
    before, mark = probe.metrics(), probe.log_mark()
    fault(redis)

    timings = []
    for _ in range(3):
        started = time.monotonic()
        received = probe.chat_events(FOLLOW_UP, session_id=session_id)
        timings.append(time.monotonic() - started)
        assert [received[0]["type"], received[-1]["type"]] == ["retrieval", "done"]
    # Without Redis the conversation cannot be read: the question is answered on its own.
    assert history_sent(llm.requests[-1].json) == [("user", FOLLOW_UP)]

    assert timings[0] < 4 * TIMEOUT + 1.0, f"the first answer waited {timings[0]:.1f}s on Redis"
    assert max(timings[1:]) < 1.0, f"later answers waited {timings} on a Redis known to be away"
    assert redis_status(probe) == "unavailable"
    probe.wait_for_log(mark, "redis.unavailable")
    after = probe.metrics()
    assert after.delta(before, "chat_streams_total", outcome="completed") == 3
    assert after.value("chat_active_streams") == 0


def test_redis_restarted_mid_stream_the_stream_still_ends_with_done(probe, redis, llm):
    session_id = new_session()
    mark = probe.log_mark()
    llm.enqueue(stream([f" t{i}" for i in range(30)], token_delay=0.05))

    response = probe.session.post(
        f"{probe.url}/api/v1/chat", json={"message": QUESTION, "session_id": session_id}, stream=True, timeout=20
    )
    lines = response.iter_lines()
    while b'"type":"token"' not in next(lines):
        pass
    redis.stop()
    redis.start()  # the same port, empty (no persistence), as after a crash
    rest = b"\n".join(lines)
    response.close()

    assert b'"type":"done"' in rest
    assert b'"type":"error"' not in rest
    probe.wait_for_log(mark, "chat.stream.end", outcome="completed")
    probe.wait_for_no_open_streams()
    assert llm.wait_until_idle(timeout=3)
    wait_until_redis_is_back(probe)
    # The turn was kept by the restarted Redis (the one before the restart went with it).
    llm.enqueue(stream(["ok"]))
    probe.chat_events(FOLLOW_UP, session_id=session_id)
    assert history_sent(llm.requests[-1].json)[-1] == ("user", FOLLOW_UP)


def test_a_redis_that_refuses_writes_is_unavailable_until_it_takes_them_again(probe, redis, llm):
    # A primary demoted to a replica (a failover the client has not followed), a full (OOM) or a
    # MISCONF Redis: PING answers, every write is refused. Health said "connected" and the link
    # flapped, one redis.unavailable a second, while no conversation was kept.
    client = redis.client()
    client.replicaof("127.0.0.1", str(free_port()))  # a replica of nothing: read-only
    try:
        mark = probe.log_mark()
        for _ in range(3):
            assert probe.chat_events(session_id=new_session())[-1]["type"] == "done"
            time.sleep(1.5 * RETRY_SECONDS)  # the probe's ping had brought the link back by now
        assert redis_status(probe) == "unavailable"
        warnings = [line for line in probe.log_lines(mark) if line.get("event") == "redis.unavailable"]
        assert len(warnings) == 1, warnings
    finally:
        client.replicaof("NO", "ONE")
    wait_until_redis_is_back(probe)
    session_id = new_session()
    probe.chat_events(session_id=session_id)
    llm.enqueue(stream(["ok"]))
    probe.chat_events(FOLLOW_UP, session_id=session_id)
    assert len(history_sent(llm.requests[-1].json)) == 3  # kept again


UNREADABLE_MESSAGES = [
    b"not json {",
    b'["user", "a list"]',
    b'{"role": "user"}',
    b'{"role": "system", "content": "A stored system message is no instruction of ours."}',
    b'{"role": "assistant", "content": 42}',
]


def test_a_stored_message_that_cannot_be_read_is_left_out_of_the_history(probe, redis, llm):
    # Written by another version or tool, or cut short: the question was a 500 with a traceback.
    session_id = new_session()
    probe.chat_events(session_id=session_id)  # a turn kept: the question and its answer
    _, messages_key = session_keys(session_id)
    redis.client().rpush(messages_key, *UNREADABLE_MESSAGES)
    mark = probe.log_mark()

    llm.enqueue(stream(["ok"]), stream(["ok"]))
    streamed = probe.chat_events(FOLLOW_UP, session_id=session_id)
    whole = probe.request(
        "POST", "/api/v1/chat", json={"message": FOLLOW_UP, "session_id": session_id, "stream": False}
    )

    assert [streamed[0]["type"], streamed[-1]["type"]] == ["retrieval", "done"]
    assert whole.status_code == 200, whole.text
    kept = history_sent(llm.requests[-2].json)
    # The readable turn, then the question: nothing of the unreadable messages.
    assert [role for role, _ in kept] == ["user", "assistant", "user"]
    assert kept[-1] == ("user", FOLLOW_UP)
    probe.wait_for_log(mark, "session.unreadable_message")
    assert not [line for line in probe.log_lines(mark) if line.get("level") == "error"]
    assert redis_status(probe) == "connected"


def test_a_session_key_of_the_wrong_type_is_replaced_the_id_kept_and_redis_stays_up(probe, redis, llm):
    # It was an outage: Redis "down" for every request for a second, each time this session asked;
    # then the conversation went on under a new id.
    session_id = new_session()
    probe.chat_events(session_id=session_id)
    _, messages_key = session_keys(session_id)
    client = redis.client()
    client.delete(messages_key)
    client.set(messages_key, "written by another tool")
    mark = probe.log_mark()

    llm.enqueue(stream(["ok"]), stream(["ok"]))
    answered = probe.chat_events(FOLLOW_UP, session_id=session_id)
    health_then = redis_status(probe)
    new_id = answered[-1]["session_id"]
    probe.chat_events(FOLLOW_UP, session_id=new_id)

    assert answered[-1]["type"] == "done"
    assert new_id == session_id
    assert health_then == "connected"
    assert [role for role, _ in history_sent(llm.requests[-1].json)] == ["user", "assistant", "user"]  # kept
    probe.wait_for_log(mark, "session.keys_repaired")
    assert not [line for line in probe.log_lines(mark) if line.get("event") == "redis.unavailable"]


def test_a_corrupt_first_index_no_longer_stops_the_session_s_turns_being_kept(probe, redis, llm):
    session_id = new_session()
    probe.chat_events(session_id=session_id)
    redis.client().hset(session_keys(session_id)[0], "first_index", "not a number")
    mark = probe.log_mark()

    llm.enqueue(*[stream(["ok"])] * 3)
    for _ in range(3):  # past MAX_HISTORY_MESSAGES (HINCRBY on first_index refused every such turn)
        assert probe.chat_events(FOLLOW_UP, session_id=session_id)[-1]["type"] == "done"

    assert len(history_sent(llm.requests[-1].json)) > 1
    assert redis_status(probe) == "connected"
    assert not [line for line in probe.log_lines(mark) if line.get("event") == "redis.unavailable"]


def test_redis_credentials_never_shown_or_logged(probe, redis):
    """Runs last: every response of the module and the service's whole log."""
    assert probe.seen
    assert_no_secrets([PASSWORD, redis.url, API_KEY], probe.seen, "a response")
    assert_no_secrets([PASSWORD, redis.url, API_KEY], [probe.service.log()], "the service log")
    assert probe.unstructured_log_lines() == []
