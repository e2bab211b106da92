"""Sessions in a real redis-server (app/state/redis_sessions.py)."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from app.state.redis_link import RedisLink, RedisUnavailable
from app.state.redis_sessions import RedisSessionStore
from tests.fakes import FakeClock as Clock


def store(server, clock=time.time, *, ttl=60, max_sessions=10, max_history=4) -> RedisSessionStore:
    # A store of its own link and pool: as another worker process would have.
    link = RedisLink.from_url(server.url, timeout=0.5, max_connections=8)
    return RedisSessionStore(link, ttl=ttl, max_sessions=max_sessions, max_history=max_history, clock=clock)


def test_a_client_id_is_adopted_and_turns_become_history(redis_server):
    sessions = store(redis_server)
    sid = str(uuid.uuid4())

    assert sessions.history(sid) == (sid, [])
    sessions.append_turn(sid, "q1", "a1")

    assert sessions.history(sid)[1] == [{"role": "user", "content": "q1"}, {"role": "assistant", "content": "a1"}]
    assert sessions.count() == 1
    assert uuid.UUID(sessions.history(None)[0]).version == 4


def test_another_worker_continues_the_conversation(redis_server):
    sid, _ = store(redis_server).history(None)
    store(redis_server).append_turn(sid, "q1", "a1")

    assert [m["content"] for m in store(redis_server).history(sid)[1]] == ["q1", "a1"]


def test_history_keeps_only_the_last_messages(redis_server):
    sessions = store(redis_server, max_history=4)
    sid, _ = sessions.history(None)
    for turn in range(5):
        sessions.append_turn(sid, f"q{turn}", f"a{turn}")

    assert [m["content"] for m in sessions.history(sid)[1]] == ["q3", "a3", "q4", "a4"]
    session = sessions.get(sid)
    assert (len(session.messages), session.dropped) == (4, 6)


def test_zero_history_keeps_no_messages(redis_server):
    sessions = store(redis_server, max_history=0)
    sid, _ = sessions.history(None)
    sessions.append_turn(sid, "q", "a")
    assert sessions.history(sid)[1] == []


def test_redis_expires_a_session_a_ttl_after_its_last_turn(redis_server):
    sessions = store(redis_server, ttl=1)
    sid, _ = sessions.history(None)
    time.sleep(0.6)
    sessions.append_turn(sid, "q", "a")  # activity: the TTL restarts
    time.sleep(0.6)
    assert sessions.get(sid) is not None
    time.sleep(0.7)
    assert sessions.get(sid) is None
    assert sessions.count() == 0


def test_the_least_recently_active_session_is_evicted_past_max_sessions(redis_server):
    clock = Clock(1000.0)
    sessions = store(redis_server, clock, max_sessions=2)
    first, _ = sessions.history(None)
    clock.now += 1
    second, _ = sessions.history(None)
    clock.now += 1
    sessions.append_turn(first, "q", "a")  # first is now the most recently active
    clock.now += 1
    third, _ = sessions.history(None)

    assert sessions.get(second) is None
    assert {s.id for s in sessions.recent(10)} == {first, third}
    assert [s.id for s in sessions.recent(1)] == [third]


def test_feedback_rates_one_kept_answer(redis_server):
    sessions = store(redis_server, max_history=2)
    sid, _ = sessions.history(None)
    sessions.append_turn(sid, "q0", "a0")
    sessions.append_turn(sid, "q1", "a1")  # messages 0 and 1 are trimmed away

    assert sessions.set_feedback(sid, 3, "up", "clear") is True
    assert sessions.set_feedback(sid, 3, "down", "") is True
    assert sessions.get(sid).feedback[3].rating == "down"
    assert sessions.set_feedback(sid, 2, "up", "") is False
    assert sessions.set_feedback(sid, 1, "up", "") is False
    assert sessions.set_feedback(str(uuid.uuid4()), 1, "up", "") is False


def test_stats_delete_and_clear(redis_server):
    sessions = store(redis_server)
    sid, _ = sessions.history(None)
    sessions.history(sid)

    stats = sessions.stats()
    assert (stats.name, stats.size, stats.hits, stats.misses, stats.backend) == ("sessions", 1, 1, 1, "redis")
    assert sessions.delete(sid) is True
    assert sessions.delete(sid) is False
    sessions.history(None)
    sessions.history(None)
    assert sessions.clear() == 2
    assert sessions.count() == 0


def test_concurrent_turns_from_two_workers_never_interleave_or_get_lost(redis_server):
    workers = [store(redis_server, max_history=1000), store(redis_server, max_history=1000)]
    sid, _ = workers[0].history(None)

    def turns(n: int) -> None:
        for i in range(40):
            workers[n % 2].append_turn(sid, f"q{n}-{i}", f"a{n}-{i}")

    threads = [threading.Thread(target=turns, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    messages = workers[1].get(sid).messages
    assert len(messages) == 6 * 40 * 2
    for question, answer in zip(messages[::2], messages[1::2], strict=True):
        assert (question.role, answer.role) == ("user", "assistant")
        assert answer.content == "a" + question.content[1:]


def test_without_redis_chat_degrades_and_inspection_says_so(redis_server):
    sessions = store(redis_server)
    sid, _ = sessions.history(None)
    sessions.append_turn(sid, "q", "a")
    redis_server.stop()

    assert sessions.history(sid) == (sid, [])  # a new conversation, not an error
    sessions.append_turn(sid, "q2", "a2")  # not kept, not raised
    assert sessions.set_feedback(sid, 1, "up", "") is False
    assert sessions.count() == 0
    with pytest.raises(RedisUnavailable):
        sessions.recent(10)
