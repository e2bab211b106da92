"""Sessions in this process's memory: the default store, for one worker (SPEC §4)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable

from app.llm.types import ChatMessage
from app.state.caches import CacheStats, CountedTTLCache, LookupCounter
from app.state.sessions import AnswerNoLongerKept, Feedback, NotAnAnswer, Session, SessionNotFound
from app.telemetry.metrics import LIVE_SESSIONS


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

    def open_conversation(self, session_id: str | None) -> tuple[str, list[ChatMessage]]:
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
            self._publish_count()
        recent = session.messages[-self._max_history :] if self._max_history else []
        return session.id, [{"role": m.role, "content": m.content} for m in recent]

    def append_turn(self, session_id: str, question: str, answer: str) -> int | None:
        """Store the question and answer as one unit; return the answer's message index."""
        now = self._clock()
        # Read, extend, write back: without the lock two turns on one session would both
        # extend the same snapshot and the later write would drop the other's turn.
        with self._lock:
            session = self._sessions.get(session_id) or Session(id=session_id, created_at=now, last_active=now)
            # Re-writing the entry restarts its TTL: expiry counts from the last completed turn.
            kept = self._sessions[session_id] = session.with_turn(question, answer, now, self._max_history)
            self._publish_count()
            return kept.first_index + len(kept.messages) - 1 if kept.messages else None

    def set_feedback(self, session_id: str, message_index: int | None, feedback: Feedback) -> int:
        """Store `feedback` on one answer under the lock, without touching the session's expiry."""
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                raise SessionNotFound(session_id)
            index = session.answer_index(message_index)
            # An answer's index (questions are even) from before the conversation's kept part.
            trimmed = message_index is not None and message_index < session.first_index and message_index % 2 == 1
            if index is None and trimmed:
                raise AnswerNoLongerKept(message_index)
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
            existed = self._sessions.pop(session_id, None) is not None
            self._publish_count()
            return existed

    def count(self) -> int:
        """Return how many sessions are live."""
        with self._lock:
            return self._publish_count()

    def stats(self) -> CacheStats:
        """Return size, settings, approximate memory and this process's counts."""
        with self._lock:
            return self._sessions.stats("sessions", self._ttl, self._lookups)

    def clear(self) -> int:
        """Forget every session; return how many there were."""
        with self._lock:
            dropped = len(self._sessions)
            self._sessions.clear()
            self._publish_count()
        return dropped

    def _publish_count(self) -> int:
        # Sessions expire silently; every call that touches the store, health's count among
        # them, drops the expired ones and sets the gauge, so it is never stale past a poll.
        self._sessions.expire()
        LIVE_SESSIONS.set(len(self._sessions))
        return len(self._sessions)
