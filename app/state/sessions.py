"""Conversation sessions (SPEC §4): the interface, and the store in this process's memory.

The Redis store (app/state/redis_sessions.py) implements the same interface across workers.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

from app.llm.types import ChatMessage
from app.state.caches import CacheStats, CountedTTLCache, LookupCounter
from app.telemetry.metrics import LIVE_SESSIONS


@dataclass(frozen=True, slots=True)
class StoredMessage:
    role: Literal["user", "assistant"]
    content: str
    at: float


@dataclass(frozen=True, slots=True)
class Feedback:
    """A recruiter's rating of one answer."""

    rating: Literal["up", "down"]
    comment: str
    at: float


@dataclass(frozen=True, slots=True)
class Session:
    """A conversation. A turn makes a new `Session` (the store swaps it in whole); only the
    ratings are changed in place, under the store's lock."""

    id: str
    created_at: float
    last_active: float
    messages: list[StoredMessage] = field(default_factory=list)  # never changed in place
    # Message indexes count from the conversation's start: `first_index` messages were
    # trimmed off the front, so an index a client saw keeps naming the same message.
    first_index: int = 0
    feedback: dict[int, Feedback] = field(default_factory=dict)  # by message index, answers only

    def with_turn(self, question: str, answer: str, now: float, max_history: int) -> Session:
        """Return this session with one more turn, keeping the last `max_history` messages."""
        messages = [*self.messages, StoredMessage("user", question, now), StoredMessage("assistant", answer, now)]
        # Only what the LLM may see is kept: a session's size stays bounded.
        dropped = max(0, len(messages) - max_history)
        first = self.first_index + dropped
        feedback = {i: f for i, f in self.feedback.items() if i >= first}
        return replace(self, last_active=now, messages=messages[dropped:], first_index=first, feedback=feedback)

    def answer_index(self, message_index: int | None) -> int | None:
        """Resolve `message_index` (default: the last answer) to an answer held; None if it is not one."""
        if message_index is None:
            held = [i for i, message in enumerate(self.messages) if message.role == "assistant"]
            return self.first_index + held[-1] if held else None
        position = message_index - self.first_index
        if 0 <= position < len(self.messages) and self.messages[position].role == "assistant":
            return message_index
        return None


class SessionNotFound(LookupError):
    """No live session has this id."""


class NotAnAnswer(LookupError):
    """The message index names no answer the session holds."""


class SessionStore(Protocol):
    """Where conversations live. A turn is stored whole or not at all."""

    def history(self, session_id: str | None) -> tuple[str, list[ChatMessage]]:
        """Return the session id to use (created when unknown) and the history the LLM sees."""
        ...

    def append_turn(self, session_id: str, question: str, answer: str) -> None:
        """Store one question and its answer together, refreshing the session's expiry."""
        ...

    def set_feedback(self, session_id: str, message_index: int | None, feedback: Feedback) -> int:
        """Rate one answer (default: the last), replacing an earlier rating; return its message index.

        Raises SessionNotFound or NotAnAnswer.
        """
        ...

    def get(self, session_id: str) -> Session | None:
        """Return a session without touching its expiry."""
        ...

    def recent(self, limit: int) -> list[Session]:
        """Return up to `limit` sessions, most recently active first."""
        ...

    def delete(self, session_id: str) -> bool:
        """Forget one session; True when it existed."""
        ...

    def count(self) -> int:
        """Return how many sessions are live."""
        ...

    def stats(self) -> CacheStats:
        """Return size, settings and hit/miss counts."""
        ...

    def clear(self) -> int:
        """Forget every session; return how many there were."""
        ...


class MemorySessionStore:
    """Sessions in this process: TTL from last activity, LRU eviction past `max_sessions` (both counted)."""

    def __init__(
        self,
        *,
        ttl: float,
        max_sessions: int,
        max_history: int,
        clock: Callable[[], float] = time.time,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        # TTLCache counts a key's age from its last write, so every turn re-writes the
        # session; reads alone do not extend it, which matches "after last activity".
        self._sessions: CountedTTLCache[str, Session] = CountedTTLCache(
            "sessions", maxsize=max_sessions, ttl=ttl, timer=timer
        )
        self._ttl = ttl
        self._max_history = max_history
        self._clock = clock
        self._lock = threading.Lock()
        self._lookups = LookupCounter("sessions")

    def history(self, session_id: str | None) -> tuple[str, list[ChatMessage]]:
        """Return the id to use and the last `max_history` messages as chat turns."""
        with self._lock:
            session = self._sessions.get(session_id) if session_id else None
            if session is None:
                self._lookups.miss()
                now = self._clock()
                session = Session(id=session_id or str(uuid.uuid4()), created_at=now, last_active=now)
                self._sessions[session.id] = session
            else:
                self._lookups.hit()
            LIVE_SESSIONS.set(len(self._sessions))
        recent = session.messages[-self._max_history :] if self._max_history else []
        return session.id, [{"role": m.role, "content": m.content} for m in recent]

    def append_turn(self, session_id: str, question: str, answer: str) -> None:
        """Store the question and answer as one unit."""
        now = self._clock()
        # Read, extend, write back: without the lock two turns on one session would both
        # extend the same snapshot and the later write would drop the other's turn.
        with self._lock:
            session = self._sessions.get(session_id) or Session(id=session_id, created_at=now, last_active=now)
            # Re-writing the entry restarts its TTL: expiry counts from the last completed turn.
            self._sessions[session_id] = session.with_turn(question, answer, now, self._max_history)
            LIVE_SESSIONS.set(len(self._sessions))

    def set_feedback(self, session_id: str, message_index: int | None, feedback: Feedback) -> int:
        """Store `feedback` on one answer under the lock, without touching the session's expiry."""
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                raise SessionNotFound(session_id)
            index = session.answer_index(message_index)
            if index is None:
                raise NotAnAnswer(message_index)
            session.feedback[index] = feedback
            return index

    def get(self, session_id: str) -> Session | None:
        """Return a session without touching its expiry."""
        with self._lock:
            return self._sessions.get(session_id)

    def recent(self, limit: int) -> list[Session]:
        """Return up to `limit` sessions, most recently active first."""
        with self._lock:
            self._sessions.expire()
            sessions = list(self._sessions.values())
        return sorted(sessions, key=lambda s: s.last_active, reverse=True)[:limit]

    def delete(self, session_id: str) -> bool:
        """Forget one session; True when it existed."""
        with self._lock:
            return self._sessions.pop(session_id, None) is not None

    def count(self) -> int:
        """Return how many sessions are live."""
        with self._lock:
            self._sessions.expire()
            return len(self._sessions)

    def stats(self) -> CacheStats:
        """Return size, settings, approximate memory and this process's counts."""
        with self._lock:
            return self._sessions.stats("sessions", self._ttl, self._lookups)

    def clear(self) -> int:
        """Forget every session; return how many there were."""
        with self._lock:
            dropped = len(self._sessions)
            self._sessions.clear()
            LIVE_SESSIONS.set(0)
        return dropped
