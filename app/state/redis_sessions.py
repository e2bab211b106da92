"""Conversation sessions in Redis, shared by every worker and host (SPEC §4).

Keys and how a stored session reads back: `app/state/redis_session_layout.py`. Why Lua scripts:
a turn must land whole and in order when two workers append to one session at once. A script
runs atomically inside Redis: append, trim to MAX_HISTORY_MESSAGES, expiry refresh and eviction
are one step, one round trip, with no retry loop (MULTI/WATCH) and no lock a killed worker could
leave behind. One Redis endpoint is assumed, not Redis Cluster: the eviction touches other
sessions' keys, which a cluster refuses across slots.

While Redis is unavailable the chat path degrades: a session starts new, a finished turn is not
kept. The inspection methods (the cache CLI's) raise RedisUnavailable instead.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

from app.errors import SessionsUnavailable
from app.llm.types import ChatMessage
from app.state.caches import CacheStats, LookupCounter, RemovalCounter
from app.state.redis_link import RETRY_SECONDS, RedisDataError, RedisLink, RedisUnavailable
from app.state.redis_memory import SAMPLE, sampled_memory
from app.state.redis_repair import run_or_repair
from app.state.redis_scripts import APPEND_TURN, OPEN_SESSION, SET_FEEDBACK
from app.state.redis_session_layout import (
    INDEX,
    PREFIX,
    STATS,
    conversation,
    decode_session,
    delete_sessions,
    read_sessions,
    session_keys,
    unreadable_session,
)
from app.state.sessions import AnswerNoLongerKept, Feedback, NotAnAnswer, Session, SessionNotFound


class RedisSessionStore:
    """Sessions in Redis: TTL refreshed per turn, oldest evicted past `max_sessions`."""

    def __init__(
        self, link: RedisLink, *, ttl: int, max_sessions: int, max_history: int, clock: Callable[[], float] = time.time
    ) -> None:
        self._link = link
        self._ttl = ttl
        self._max_sessions = max_sessions
        self._max_history = max_history
        self._clock = clock
        self._lookups = LookupCounter("sessions")
        self._removals = RemovalCounter("sessions")
        client = link.client
        self._open = client.register_script(OPEN_SESSION)
        self._append = client.register_script(APPEND_TURN)
        self._feedback = client.register_script(SET_FEEDBACK)

    def open_conversation(self, session_id: str | None) -> tuple[str, list[ChatMessage]]:
        """Return the id to use (adopted or made) and the last `max_history` messages."""
        session_id = session_id or str(uuid.uuid4())
        keys, args = self._keys(session_id), [*self._admission(session_id)]

        def script(client: Any) -> Any:
            return self._open(keys=keys, args=args, client=client)

        # A key Redis refuses to read is put right once: the conversation keeps its id.
        reply = run_or_repair(self._link, script, keys, session_id)
        if reply is None:
            return session_id, []  # Redis away: a new conversation, answered without its history
        known, messages, evicted, expired = reply
        (self._lookups.hit if known else self._lookups.miss)()
        self._count_removals(evicted, expired)
        return session_id, conversation(messages)[-self._max_history :] if self._max_history else []

    def append_turn(self, session_id: str, question: str, answer: str) -> int | None:
        """Store the question and answer as one unit and return the answer's message index;
        dropped (Redis logs why, None) when Redis is away."""
        now = self._clock()
        user = json.dumps({"role": "user", "content": question, "at": now})
        assistant = json.dumps({"role": "assistant", "content": answer, "at": now})
        args = [*self._admission(session_id, now), self._max_history, user, assistant]
        try:
            index, evicted, expired = self._link.run(lambda redis: self._append(keys=self._keys(session_id), args=args))
        except RedisUnavailable as error:  # Redis down (the link logs it), or this session unreadable
            if isinstance(error, RedisDataError):
                unreadable_session(session_id, error.redis_said)
            return None
        self._count_removals(evicted, expired)
        return int(index) if index >= 0 else None

    def set_feedback(self, session_id: str, message_index: int | None, feedback: Feedback) -> int:
        """Rate one answer (default: the last) without touching the expiry; return its index.

        Raises SessionNotFound, NotAnAnswer, or SessionsUnavailable while Redis is away: the
        session may exist, so the client is told to retry, not that it is gone.
        """
        value = json.dumps({"rating": feedback.rating, "comment": feedback.comment, "at": feedback.at})
        index = "" if message_index is None else message_index
        args = [*self._admission(session_id), index, value]
        try:
            result = int(self._link.run(lambda client: self._feedback(keys=self._keys(session_id), args=args)))
        except RedisDataError as error:  # no readable session: the chat went on under a new id
            unreadable_session(session_id, error.redis_said)
            raise SessionNotFound(session_id) from None
        except RedisUnavailable:
            raise SessionsUnavailable(retry_after=RETRY_SECONDS) from None
        if result == -1:
            raise SessionNotFound(session_id)
        if result == -2:
            raise NotAnAnswer(message_index)
        if result == -3:
            raise AnswerNoLongerKept(message_index)
        return result

    def count(self) -> int:
        """Return how many sessions are live; 0 while Redis is away (health says why)."""
        try:
            return int(self._link.run(lambda client: client.zcount(INDEX, self._oldest_live(), "+inf")))
        except RedisUnavailable:
            return 0

    # -- inspection (the cache CLI): these raise RedisUnavailable ---------------------

    def get(self, session_id: str) -> Session | None:
        """Return a session without touching its expiry."""
        return self._read([session_id])[0]

    def recent(self, limit: int) -> list[Session]:
        """Return up to `limit` sessions, most recently active first."""
        ids: list[bytes] = self._link.run(
            lambda client: client.zrevrangebyscore(INDEX, "+inf", self._oldest_live(), 0, limit)
        )
        return [s for s in self._read([i.decode() for i in ids]) if s is not None]

    def _read(self, ids: list[str]) -> list[Session | None]:
        replies = self._link.run(partial(read_sessions, ids=ids))
        return [decode_session(i, replies[2 * n], replies[2 * n + 1]) for n, i in enumerate(ids)]

    def delete(self, session_id: str) -> bool:
        """Forget one session; True when it existed."""

        def remove(client: Any) -> int:
            pipe = client.pipeline(transaction=True)
            pipe.delete(*session_keys(session_id))
            pipe.zrem(INDEX, session_id)
            return int(pipe.execute()[0])

        return self._link.run(remove) > 0

    def stats(self) -> CacheStats:
        """Return the live count, settings, the fleet-wide counts kept in Redis and approximate memory."""
        oldest_live = self._oldest_live()

        def read(client: Any) -> list[Any]:
            pipe = client.pipeline(transaction=True)
            pipe.zcount(INDEX, oldest_live, "+inf")
            pipe.zcount(INDEX, "-inf", f"({oldest_live}")  # expired, not yet forgotten by a script
            pipe.hgetall(STATS)
            pipe.zrevrangebyscore(INDEX, "+inf", oldest_live, 0, SAMPLE)  # the newest are measured
            return list(pipe.execute())

        size, unforgotten, counts, newest = self._link.run(read)
        hits, misses, evictions, expiries = (
            int(counts.get(name, 0)) for name in (b"hits", b"misses", b"evictions", b"expiries")
        )
        keys = [session_keys(i.decode()) for i in newest]
        memory, sampled = self._link.run(lambda client: sampled_memory(client, keys, int(size)))
        return CacheStats(
            "sessions", int(size), self._max_sessions, self._ttl, hits, misses, "redis",
            evictions, expiries + int(unforgotten), memory, sampled,
        )  # fmt: skip

    def clear(self) -> int:
        """Forget every session; return how many there were."""
        raw: list[bytes] = self._link.run(lambda client: client.zrange(INDEX, 0, -1))
        ids = [i.decode() for i in raw]
        for start in range(0, len(ids), 500):
            self._link.run(partial(delete_sessions, ids=ids[start : start + 500]))
        return len(ids)

    def _count_removals(self, evicted: int, expired: int) -> None:
        if evicted:
            self._removals.evicted(int(evicted))
        if expired:
            self._removals.expired(int(expired))

    def _keys(self, session_id: str) -> list[str]:
        return [*session_keys(session_id), INDEX, STATS]

    def _admission(self, session_id: str, now: float | None = None) -> tuple[Any, ...]:
        return (session_id, now if now is not None else self._clock(), self._ttl, self._max_sessions, PREFIX)

    def _oldest_live(self) -> float:
        return self._clock() - self._ttl
