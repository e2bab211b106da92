"""The in-memory session store (SPEC §4)."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from app.state.memory_sessions import MemorySessionStore
from app.state.sessions import Feedback, NotAnAnswer, SessionNotFound
from app.telemetry.metrics import LIVE_SESSIONS
from tests.fakes import FakeClock as Clock


@pytest.fixture
def clock() -> Clock:
    return Clock()


def store(clock: Clock, *, ttl: float = 60, max_sessions: int = 10, max_history: int = 4) -> MemorySessionStore:
    return MemorySessionStore(ttl=ttl, max_sessions=max_sessions, max_history=max_history, clock=clock, timer=clock)


def test_unknown_well_formed_id_is_adopted(clock):
    sessions = store(clock)
    sid = str(uuid.uuid4())

    resolved, history = sessions.open_conversation(sid)

    assert resolved == sid
    assert history == []
    assert sessions.count() == 1


def test_no_id_gets_a_uuid4(clock):
    resolved, _ = store(clock).open_conversation(None)
    assert uuid.UUID(resolved).version == 4


def test_turns_become_history_in_order(clock):
    sessions = store(clock)
    sid, _ = sessions.open_conversation(None)
    sessions.append_turn(sid, "q1", "a1")

    _, history = sessions.open_conversation(sid)

    assert history == [{"role": "user", "content": "q1"}, {"role": "assistant", "content": "a1"}]


def test_history_keeps_only_the_last_messages(clock):
    sessions = store(clock, max_history=4)
    sid, _ = sessions.open_conversation(None)
    indices = [sessions.append_turn(sid, f"q{turn}", f"a{turn}") for turn in range(5)]

    _, history = sessions.open_conversation(sid)

    assert indices == [1, 3, 5, 7, 9]  # counted from the conversation's start, trimmed or not
    assert [m["content"] for m in history] == ["q3", "a3", "q4", "a4"]
    assert len(sessions.get(sid).messages) == 4


def test_session_expires_after_last_activity(clock):
    sessions = store(clock, ttl=60)
    sid, _ = sessions.open_conversation(None)
    clock.now += 50
    sessions.append_turn(sid, "q", "a")  # activity: the clock restarts
    clock.now += 50
    assert sessions.get(sid) is not None
    clock.now += 11
    assert sessions.get(sid) is None
    assert sessions.count() == 0


def test_least_recently_used_session_is_evicted(clock):
    sessions = store(clock, max_sessions=2)
    first, _ = sessions.open_conversation(None)
    second, _ = sessions.open_conversation(None)
    sessions.open_conversation(first)  # first is now the most recently used
    third, _ = sessions.open_conversation(None)

    assert sessions.get(second) is None
    assert sessions.get(first) is not None
    assert sessions.get(third) is not None


def test_evicted_and_expired_sessions_are_counted(clock):
    sessions = store(clock, ttl=60, max_sessions=2)
    first, _ = sessions.open_conversation(None)
    sessions.open_conversation(None)
    sessions.open_conversation(None)  # evicts first
    assert sessions.get(first) is None
    clock.now += 61
    stats = sessions.stats()
    assert (stats.size, stats.evictions, stats.expiries) == (0, 1, 2)


def test_stats_estimate_the_memory_sessions_take(clock):
    sessions = store(clock)
    assert sessions.stats().memory_bytes == 0
    sid, _ = sessions.open_conversation(None)
    sessions.append_turn(sid, "q" * 10_000, "a" * 10_000)
    stats = sessions.stats()
    assert stats.memory_bytes is not None
    assert 20_000 < stats.memory_bytes < 25_000
    assert stats.memory_sampled == 1


def test_recent_lists_newest_first(clock):
    sessions = store(clock)
    first, _ = sessions.open_conversation(None)
    second, _ = sessions.open_conversation(None)
    clock.now += 1
    sessions.append_turn(first, "q", "a")

    assert [s.id for s in sessions.recent(10)] == [first, second]
    assert [s.id for s in sessions.recent(1)] == [first]


def test_stats_count_hits_and_misses(clock):
    sessions = store(clock)
    sid, _ = sessions.open_conversation(None)
    sessions.open_conversation(sid)
    sessions.open_conversation(sid)

    stats = sessions.stats()

    assert (stats.name, stats.size, stats.hits, stats.misses) == ("sessions", 1, 2, 1)


def test_delete_and_clear(clock):
    sessions = store(clock)
    sid, _ = sessions.open_conversation(None)
    assert sessions.delete(sid) is True
    assert sessions.delete(sid) is False
    sessions.open_conversation(None)
    assert sessions.clear() == 1
    assert sessions.count() == 0


def test_concurrent_turns_never_interleave_or_get_lost():
    # A clock that hands the CPU to another thread whenever the store reads it: the store
    # reads it inside its critical section (the TTL cache's timer), so without the store's
    # lock two turns read the same session and the later write drops the other turn.
    def yielding_clock() -> float:
        time.sleep(0.0002)
        return time.monotonic()

    sessions = MemorySessionStore(ttl=60, max_sessions=10, max_history=1000, clock=time.time, timer=yielding_clock)
    sid, _ = sessions.open_conversation(None)

    def worker(n: int) -> None:
        for i in range(50):
            sessions.append_turn(sid, f"q{n}-{i}", f"a{n}-{i}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    messages = sessions.get(sid).messages
    assert len(messages) == 8 * 50 * 2
    for question, answer in zip(messages[::2], messages[1::2], strict=True):
        assert question.role == "user"
        assert answer.role == "assistant"
        assert answer.content == "a" + question.content[1:]


# -- feedback ------------------------------------------------------------------------


def rate(rating: str = "up", comment: str = "") -> Feedback:
    return Feedback(rating=rating, comment=comment, at=1.0)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("turns", "message_index", "stored_at"),
    [
        (1, None, 1),  # default: the last answer
        (3, None, 5),
        (3, 1, 1),
        (3, 3, 3),
    ],
)
def test_feedback_lands_on_an_answer(clock, turns, message_index, stored_at):
    sessions = store(clock, max_history=20)
    for n in range(turns):
        sessions.append_turn("s", f"q{n}", f"a{n}")

    index = sessions.set_feedback("s", message_index, rate())

    assert index == stored_at
    assert set(sessions.get("s").feedback) == {stored_at}


@pytest.mark.parametrize("message_index", [0, 2, 6, 99])
def test_feedback_on_a_question_or_beyond_the_end_is_refused(clock, message_index):
    sessions = store(clock, max_history=20)
    for n in range(3):
        sessions.append_turn("s", f"q{n}", f"a{n}")

    with pytest.raises(NotAnAnswer):
        sessions.set_feedback("s", message_index, rate())


def test_feedback_needs_a_live_session_with_an_answer(clock):
    sessions = store(clock)
    sessions.open_conversation("fresh")  # exists, but nothing answered yet

    with pytest.raises(SessionNotFound):
        sessions.set_feedback("unknown", None, rate())
    with pytest.raises(NotAnAnswer):
        sessions.set_feedback("fresh", None, rate())


def test_a_second_rating_replaces_the_first(clock):
    sessions = store(clock)
    sessions.append_turn("s", "q", "a")

    sessions.set_feedback("s", 1, rate("up"))
    sessions.set_feedback("s", 1, rate("down", "vague"))

    assert sessions.get("s").feedback == {1: rate("down", "vague")}


def test_indexes_survive_trimmed_history(clock):
    sessions = store(clock, max_history=4)
    sessions.append_turn("s", "q0", "a0")
    sessions.set_feedback("s", 1, rate())
    for n in (1, 2):
        sessions.append_turn("s", f"q{n}", f"a{n}")  # a0 (index 1) is trimmed away

    session = sessions.get("s")
    assert [m.content for m in session.messages] == ["q1", "a1", "q2", "a2"]
    assert session.feedback == {}  # its rating went with it
    assert sessions.set_feedback("s", 3, rate()) == 3  # a1 keeps the index the client saw
    with pytest.raises(NotAnAnswer):
        sessions.set_feedback("s", 1, rate())


def live_sessions() -> float:
    return LIVE_SESSIONS.collect()[0].samples[0].value


def test_the_live_sessions_gauge_follows_expiry_and_deletion(clock):
    # It was set only when a turn opened or ended, so after the TTL it stayed at 1 while health said 0.
    sessions = store(clock, ttl=60)
    first, _ = sessions.open_conversation(None)
    sessions.open_conversation(None)
    assert live_sessions() == 2
    sessions.delete(first)
    assert live_sessions() == 1
    clock.now += 61
    assert sessions.count() == 0
    assert live_sessions() == 0
