"""Conversation sessions (SPEC §4): what a session holds, and the interface of a store.

Two stores implement it: app/state/memory_sessions.py (this process's memory) and
app/state/redis_sessions.py (shared by every worker and host).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

from app.llm.types import ChatMessage
from app.state.caches import CacheStats


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
    # Why a stored session cannot be read (Redis: a key or field another tool wrote); its times
    # and messages are then not known (0 and none), and the cache CLI shows it as unreadable.
    unreadable: str | None = None

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


class AnswerNoLongerKept(NotAnAnswer):
    """The message index names a message trimmed off the conversation's front (MAX_HISTORY_MESSAGES)."""


class SessionStore(Protocol):
    """Where conversations live. A turn is stored whole or not at all."""

    def open_conversation(self, session_id: str | None) -> tuple[str, list[ChatMessage]]:
        """Return the session id to use and the history the LLM sees; an unknown or absent id
        starts a conversation (which may evict the least recently active one past the limit)."""
        ...

    def append_turn(self, session_id: str, question: str, answer: str) -> int | None:
        """Store one question and its answer together, refreshing the session's expiry; return the
        answer's message index (what feedback names it by), None when it could not be kept."""
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
