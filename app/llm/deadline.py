"""The deadline of one whole answer (LLM_ANSWER_TIMEOUT), retries and fallbacks included, or
of a task of several answers (a fit assessment: its retry without the schema and its repair).

Checked wherever the upstream gives control back, not only on a token: each body chunk
(a line trickling in a byte at a time), each event (keep-alive comments, reasoning or
empty deltas), before each attempt and each wait to retry; a response head still coming in
at the deadline is given up (`completion_endpoint`); and no read waits past it longer than
the read timeout. So an answer ends at the deadline, or, at the very worst, one read
timeout after it (a silence that began just before).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import structlog

from app.errors import LLMError

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class AnswerDeadline:
    """The moment an answer must have ended by."""

    at: float
    seconds: float

    @classmethod
    def after(cls, seconds: float) -> AnswerDeadline:
        """Return the deadline `seconds` from now."""
        return cls(time.monotonic() + seconds, seconds)

    def remaining(self) -> float:
        """Return the seconds left (negative once passed)."""
        return self.at - time.monotonic()

    def capped(self, seconds: float) -> float:
        """Return `seconds`, or the time left when that is shorter (never quite zero: no wait at all)."""
        return min(seconds, max(self.remaining(), 0.001))

    def check(self) -> None:
        """Raise `llm_timeout` once the deadline has passed."""
        if time.monotonic() > self.at:
            log.warning("llm.answer_timeout", seconds=self.seconds)
            raise LLMError("llm_timeout")


NO_DEADLINE = AnswerDeadline(float("inf"), float("inf"))
