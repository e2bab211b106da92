"""Conversation sessions (SPEC §4) behind a small interface a Redis store can replace."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from cachetools import TTLCache

from app.llm.types import ChatMessage
from app.state.caches import CacheStats
from app.telemetry.metrics import CACHE_LOOKUPS, LIVE_SESSIONS


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


@dataclass(slots=True)
class Session:
    id: str
    created_at: float
    last_active: float
    messages: list[StoredMessage] = field(default_factory=list)
    # Message indexes count from the conversation's start: `first_index` messages were
    # trimmed off the front, so an index a client saw keeps naming the same message.
    first_index: int = 0
    feedback: dict[int, Feedback] = field(default_factory=dict)  # by message index, answers only

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

    def get(self, session_id: str) -> Session | None: ...

    def delete(self, session_id: str) -> bool: ...

    def count(self) -> int: ...

    def stats(self) -> CacheStats: ...

    def clear(self) -> None: ...


class MemorySessionStore:
    """Sessions in this process: TTL from last activity, LRU eviction past `max_sessions`."""

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
        self._sessions: TTLCache[str, Session] = TTLCache(maxsize=max_sessions, ttl=ttl, timer=timer)
        self._ttl = ttl
        self._max_history = max_history
        self._clock = clock
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0

    def history(self, session_id: str | None) -> tuple[str, list[ChatMessage]]:
        """Return the id to use and the last `max_history` messages as chat turns."""
        with self._lock:
            session = self._sessions.get(session_id) if session_id else None
            if session is None:
                self._misses += 1
                CACHE_LOOKUPS.labels(cache="sessions", result="miss").inc()
                now = self._clock()
                session = Session(id=session_id or str(uuid.uuid4()), created_at=now, last_active=now)
                self._sessions[session.id] = session
            else:
                self._hits += 1
                CACHE_LOOKUPS.labels(cache="sessions", result="hit").inc()
            LIVE_SESSIONS.set(len(self._sessions))
            recent = session.messages[-self._max_history :] if self._max_history else []
            return session.id, [{"role": m.role, "content": m.content} for m in recent]

    def append_turn(self, session_id: str, question: str, answer: str) -> None:
        """Store the question and answer as one unit under the lock."""
        now = self._clock()
        with self._lock:
            session = self._sessions.get(session_id) or Session(id=session_id, created_at=now, last_active=now)
            session.messages.append(StoredMessage("user", question, now))
            session.messages.append(StoredMessage("assistant", answer, now))
            # Only what the LLM may see is kept: a session's size stays bounded.
            if len(session.messages) > self._max_history:
                dropped = len(session.messages) - self._max_history
                del session.messages[:dropped]
                session.first_index += dropped
                session.feedback = {i: f for i, f in session.feedback.items() if i >= session.first_index}
            session.last_active = now
            self._sessions[session_id] = session
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
        """Return size and hit/miss counts."""
        with self._lock:
            self._sessions.expire()
            size, maxsize = len(self._sessions), int(self._sessions.maxsize)
            return CacheStats("sessions", size, maxsize, self._ttl, self._hits, self._misses)

    def clear(self) -> None:
        """Forget every session."""
        with self._lock:
            self._sessions.clear()
