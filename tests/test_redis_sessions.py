"""Sessions in a real redis-server (app/state/redis_sessions.py)."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from app.errors import SessionsUnavailable
from app.state.redis_link import RETRY_SECONDS, RedisLink, RedisUnavailable
from app.state.redis_session_layout import INDEX, STATS, session_keys
from app.state.redis_sessions import RedisSessionStore
from app.state.sessions import AnswerNoLongerKept, Feedback, NotAnAnswer, SessionNotFound
from app.telemetry.metrics import CACHE_REMOVALS
from tests.fakes import FakeClock as Clock


def store(server, clock=time.time, *, ttl=60, max_sessions=10, max_history=4) -> RedisSessionStore:
    # A store of its own link and pool: as another worker process would have.
    link = RedisLink.from_url(server.url, timeout=0.5, max_connections=8)
    return RedisSessionStore(link, ttl=ttl, max_sessions=max_sessions, max_history=max_history, clock=clock)


def test_a_client_id_is_adopted_and_turns_become_history(redis_server):
    sessions = store(redis_server)
    sid = str(uuid.uuid4())

    assert sessions.open_conversation(sid) == (sid, [])
    sessions.append_turn(sid, "q1", "a1")

    assert sessions.open_conversation(sid)[1] == [
        {"role": "user", "content": "q1"},
        {"role": "assistant", "content": "a1"},
    ]
    assert sessions.count() == 1
    assert uuid.UUID(sessions.open_conversation(None)[0]).version == 4


def test_another_worker_continues_the_conversation(redis_server):
    sid, _ = store(redis_server).open_conversation(None)
    store(redis_server).append_turn(sid, "q1", "a1")

    assert [m["content"] for m in store(redis_server).open_conversation(sid)[1]] == ["q1", "a1"]


def test_history_keeps_only_the_last_messages(redis_server):
    sessions = store(redis_server, max_history=4)
    sid, _ = sessions.open_conversation(None)
    indices = [sessions.append_turn(sid, f"q{turn}", f"a{turn}") for turn in range(5)]

    assert indices == [1, 3, 5, 7, 9]  # counted from the conversation's start, trimmed or not
    assert [m["content"] for m in sessions.open_conversation(sid)[1]] == ["q3", "a3", "q4", "a4"]
    session = sessions.get(sid)
    assert (len(session.messages), session.first_index) == (4, 6)


def test_zero_history_keeps_no_messages(redis_server):
    sessions = store(redis_server, max_history=0)
    sid, _ = sessions.open_conversation(None)
    assert sessions.append_turn(sid, "q", "a") is None  # not kept: nothing feedback could name
    assert sessions.open_conversation(sid)[1] == []


def test_redis_expires_a_session_a_ttl_after_its_last_turn(redis_server):
    sessions = store(redis_server, ttl=1)
    sid, _ = sessions.open_conversation(None)
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
    first, _ = sessions.open_conversation(None)
    clock.now += 1
    second, _ = sessions.open_conversation(None)
    clock.now += 1
    sessions.append_turn(first, "q", "a")  # first is now the most recently active
    clock.now += 1
    third, _ = sessions.open_conversation(None)

    assert sessions.get(second) is None
    assert {s.id for s in sessions.recent(10)} == {first, third}
    assert [s.id for s in sessions.recent(1)] == [third]


def test_evictions_and_expiries_are_counted_fleet_wide_and_per_process(redis_server):
    clock = Clock(1000.0)
    one, other = store(redis_server, clock, ttl=60, max_sessions=2), store(redis_server, clock, ttl=60, max_sessions=2)
    evicted_before = CACHE_REMOVALS.labels(cache="sessions", reason="evicted")._value.get()
    one.open_conversation(None)
    clock.now += 1
    one.open_conversation(None)
    clock.now += 1
    other.append_turn(str(uuid.uuid4()), "q", "a")  # a new session past the bound: evicts the oldest
    assert (one.stats().evictions, one.stats().expiries) == (1, 0)
    assert CACHE_REMOVALS.labels(cache="sessions", reason="evicted")._value.get() - evicted_before == 1

    clock.now += 61  # both sessions' TTL has passed: seen before any script forgets them
    assert (one.stats().size, one.stats().expiries) == (0, 2)
    other.open_conversation(None)  # the script forgets them now, and counts them once
    stats = one.stats()
    assert (stats.size, stats.evictions, stats.expiries) == (1, 1, 2)


def test_stats_estimate_memory_from_redis(redis_server):
    sessions = store(redis_server)
    assert (sessions.stats().memory_bytes, sessions.stats().memory_sampled) == (0, 0)
    sid, _ = sessions.open_conversation(None)
    sessions.append_turn(sid, "q" * 10_000, "a" * 10_000)
    stats = sessions.stats()
    assert stats.memory_bytes is not None
    assert stats.memory_bytes > 20_000
    assert stats.memory_sampled == 1


def rate(rating: str = "up", comment: str = "") -> Feedback:
    return Feedback(rating=rating, comment=comment, at=1.0)  # type: ignore[arg-type]


@pytest.mark.parametrize(("message_index", "stored_at"), [(None, 5), (1, 1), (3, 3), (5, 5)])
def test_feedback_lands_on_an_answer(redis_server, message_index, stored_at):
    sessions = store(redis_server, max_history=20)
    for n in range(3):
        sessions.append_turn("s", f"q{n}", f"a{n}")

    assert sessions.set_feedback("s", message_index, rate()) == stored_at
    assert set(sessions.get("s").feedback) == {stored_at}


@pytest.mark.parametrize("message_index", [0, 2, 6, 99])
def test_feedback_on_a_question_or_beyond_the_end_is_refused(redis_server, message_index):
    sessions = store(redis_server)
    sessions.append_turn("s", "q", "a")
    with pytest.raises(NotAnAnswer):
        sessions.set_feedback("s", message_index, rate())


def test_feedback_needs_a_live_session_with_an_answer(redis_server):
    sessions = store(redis_server)
    sessions.open_conversation("fresh")
    with pytest.raises(SessionNotFound):
        sessions.set_feedback("unknown", None, rate())
    with pytest.raises(NotAnAnswer):
        sessions.set_feedback("fresh", None, rate())


def test_a_rating_is_replaced_and_trimmed_with_its_answer(redis_server):
    sessions = store(redis_server, max_history=2)
    sessions.append_turn("s", "q0", "a0")
    sessions.set_feedback("s", 1, rate("up"))
    sessions.set_feedback("s", 1, rate("down", "vague"))
    assert sessions.get("s").feedback[1] == rate("down", "vague")

    sessions.append_turn("s", "q1", "a1")  # messages 0 and 1 are trimmed away, with a0's rating

    session = sessions.get("s")
    assert (session.first_index, session.feedback) == (2, {})
    assert sessions.set_feedback("s", 3, rate()) == 3  # a1 keeps the index the client saw
    with pytest.raises(AnswerNoLongerKept):  # told apart from an index that never named an answer
        sessions.set_feedback("s", 1, rate())
    with pytest.raises(NotAnAnswer) as raised:  # a trimmed question's index never named one
        sessions.set_feedback("s", 0, rate())
    assert not isinstance(raised.value, AnswerNoLongerKept)


def test_stats_delete_and_clear(redis_server):
    sessions = store(redis_server)
    sid, _ = sessions.open_conversation(None)
    sessions.open_conversation(sid)

    stats = sessions.stats()
    assert (stats.name, stats.size, stats.hits, stats.misses, stats.backend) == ("sessions", 1, 1, 1, "redis")
    assert sessions.delete(sid) is True
    assert sessions.delete(sid) is False
    sessions.open_conversation(None)
    sessions.open_conversation(None)
    assert sessions.clear() == 2
    assert sessions.count() == 0


def test_concurrent_turns_from_two_workers_never_interleave_or_get_lost(redis_server):
    workers = [store(redis_server, max_history=1000), store(redis_server, max_history=1000)]
    sid, _ = workers[0].open_conversation(None)

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
    sid, _ = sessions.open_conversation(None)
    sessions.append_turn(sid, "q", "a")
    redis_server.stop()

    assert sessions.open_conversation(sid) == (sid, [])  # a new conversation, not an error
    sessions.append_turn(sid, "q2", "a2")  # not kept, not raised
    with pytest.raises(SessionsUnavailable) as refused:  # the session may exist: retry, not "gone"
        sessions.set_feedback(sid, 1, rate())
    assert (refused.value.status, refused.value.retry_after) == (503, RETRY_SECONDS)
    assert sessions.count() == 0
    with pytest.raises(RedisUnavailable):
        sessions.recent(10)


def test_a_session_key_of_the_wrong_type_is_replaced_and_the_conversation_keeps_its_id(redis_server):
    # Redis was marked down for every request, each time this one session was asked for; then
    # the conversation went on under a new id, one the client had never asked for.
    sessions = store(redis_server)
    sid, _ = sessions.open_conversation(None)
    sessions.append_turn(sid, "q1", "a1")
    messages_key = session_keys(sid)[1]
    redis_server.client().delete(messages_key)
    redis_server.client().set(messages_key, "written by another tool")

    same_sid, history = sessions.open_conversation(sid)
    sessions.append_turn(same_sid, "q2", "a2")

    assert (same_sid, history) == (sid, [])  # what could not be read is gone; the id is not
    assert sessions._link.up
    assert [m["content"] for m in sessions.open_conversation(sid)[1]] == ["q2", "a2"]
    assert sessions.set_feedback(sid, None, Feedback("up", "", 1.0)) == 1  # counted from the new start


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda client: client.hset(STATS, "misses", "lots"),  # HINCRBY: "hash value is not an integer"
        lambda client: client.hset(STATS, "hits", "1.5"),
        lambda client: client.set(STATS, "written by another tool"),
        lambda client: client.set(INDEX, "written by another tool"),
        lambda client: client.rpush(INDEX, "a", "b"),
    ],
    ids=["stats_field_not_a_number", "hits_not_whole", "stats_wrong_type", "index_wrong_type", "index_a_list"],
)
def test_a_corrupt_shared_key_is_repaired_once_not_met_by_every_request(redis_server, corrupt):
    # Shared by every session: each request's session was refused, went on under a new id, and the
    # new id met the same key again. A new conversation id on every single request.
    sessions = store(redis_server)
    client = redis_server.client()
    corrupt(client)
    asked = [str(uuid.uuid4()) for _ in range(3)]

    opened = [sessions.open_conversation(sid)[0] for sid in asked]
    kept = [sessions.append_turn(sid, "q", "a") for sid in asked]
    again = sessions.open_conversation(asked[0])

    assert opened == asked
    assert kept == [1, 1, 1]
    assert again == (asked[0], [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}])
    assert sessions.count() == 3
    assert sessions._link.up


@pytest.mark.parametrize("first_index", ["abc", "-1", "1.5", "99999999999999999999"])
def test_a_corrupt_first_index_is_reset_and_turns_are_kept_again(redis_server, first_index):
    # HINCRBY refused it: no later turn of the session was ever kept, and Redis went "down" each time.
    sessions = store(redis_server, max_history=4)
    sid, _ = sessions.open_conversation(None)
    sessions.append_turn(sid, "q1", "a1")
    redis_server.client().hset(session_keys(sid)[0], "first_index", first_index)

    indices = [sessions.append_turn(sid, f"q{turn}", f"a{turn}") for turn in (2, 3)]

    assert indices == [3, 5]  # counted again from 0: the trimmed front is not known
    assert [m["content"] for m in sessions.open_conversation(sid)[1]] == ["q2", "a2", "q3", "a3"]
    assert sessions.set_feedback(sid, None, Feedback("up", "", 1.0)) == 5
    assert sessions._link.up


def test_feedback_skips_a_stored_message_that_is_not_json(redis_server):
    sessions = store(redis_server)
    sid, _ = sessions.open_conversation(None)
    sessions.append_turn(sid, "q1", "a1")
    redis_server.client().rpush(session_keys(sid)[1], b"{not json")

    assert sessions.set_feedback(sid, None, Feedback("up", "", 1.0)) == 1
    with pytest.raises(NotAnAnswer):
        sessions.set_feedback(sid, 2, Feedback("up", "", 1.0))
    assert sessions._link.up


@pytest.mark.parametrize(
    ("corrupt", "reason"),
    [
        (lambda client, meta, messages: client.hdel(meta, "created"), "no 'created' field"),
        (
            lambda client, meta, messages: client.hset(meta, "last_active", "soon"),
            "field 'last_active' is not a number",
        ),
        (lambda client, meta, messages: client.rpush(messages, "[1, 2"), "message 2 is not a stored message"),
        (lambda client, meta, messages: client.hset(meta, "feedback:x", "{}"), "field 'feedback:x' is not a rating"),
        (lambda client, meta, messages: client.delete(messages) and client.set(messages, "x"), "wrong type"),
    ],
    ids=["created_missing", "time_not_a_number", "message_not_json", "rating_unreadable", "wrong_type"],
)
def test_inspection_shows_a_session_it_cannot_read_as_such(redis_server, corrupt, reason):
    sessions = store(redis_server)
    good, bad = (sessions.open_conversation(None)[0] for _ in range(2))
    for sid in (good, bad):
        sessions.append_turn(sid, "q1", "a1")
    corrupt(redis_server.client(), *session_keys(bad))

    listed = {session.id: session.unreadable for session in sessions.recent(10)}

    assert listed[good] is None
    assert reason in listed[bad]
    assert reason in sessions.get(bad).unreadable
    assert sessions._link.up
