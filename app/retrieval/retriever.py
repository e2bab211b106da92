"""What the rest of the app asks of retrieval: passages for a question, the profile, health.

It hides which memvid backend answers, and caches the profile and the health probe.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import structlog
from opentelemetry.trace import StatusCode

from app.errors import RetrievalUnavailable
from app.resume.profile import Profile, parse_profile
from app.retrieval.query import search_passages
from app.retrieval.types import PROFILE_ENTITY, PROFILE_SLOT, BackendHealth, MemvidBackend, Passage
from app.state.caches import CacheStats, CountingTTLCache
from app.telemetry import tracing

log = structlog.get_logger(__name__)

# Whole frames are short; a large snippet gives the LLM the full passage, not a fragment.
SNIPPET_CHARS = 2000
# /health must answer within a second even when memvid hangs.
HEALTH_TIMEOUT_SECONDS = 0.8
# Distinct questions whose passages are kept; recruiters mostly click suggested questions.
PASSAGES_CACHE_SIZE = 256
# The engine queries are built from the question's lower-cased words alone (see
# app.retrieval.query), so questions that differ only in case, spacing or punctuation
# retrieve the same passages and share one cache entry.
_WORD = re.compile(r"[^\W_]+")


class ResumeRetriever:
    """Retrieval as the app sees it, over any `MemvidBackend`."""

    def __init__(
        self,
        backend: MemvidBackend,
        *,
        top_k: int,
        profile_ttl: float,
        health_ttl: float,
        passages_ttl: float = 0.0,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self.backend = backend
        self._top_k = top_k
        self._profile = CountingTTLCache[Profile | None]("profile", maxsize=1, ttl=profile_ttl, timer=timer)
        self._health = CountingTTLCache[BackendHealth]("health", maxsize=1, ttl=health_ttl, timer=timer)
        self._passages = CountingTTLCache[tuple[Passage, ...]](
            "retrieval", maxsize=PASSAGES_CACHE_SIZE, ttl=passages_ttl, timer=timer
        )

    @property
    def backend_name(self) -> str:
        return self.backend.name

    def passages(self, question: str) -> list[Passage]:
        """Return the passages for `question` (cached by its words); none (logged) when memvid is unavailable."""
        key = " ".join(word.lower() for word in _WORD.findall(question))
        searched = False

        def search() -> tuple[Passage, ...]:
            nonlocal searched
            searched = True
            return self._search(question)

        with tracing.span("retrieval", {"memvid.backend": self.backend.name}) as span:
            try:
                # A failure is never cached: the next question asks memvid again.
                found = list(self._passages.get_or_compute(key, search))
            except RetrievalUnavailable:
                log.warning("retrieval.unavailable", backend=self.backend.name)
                span.set_status(StatusCode.ERROR, "retrieval_unavailable")
                return []
            span.set_attributes({"retrieval.cache_hit": not searched, "retrieval.passages": len(found)})
            return found

    def _search(self, question: str) -> tuple[Passage, ...]:
        return tuple(search_passages(self.backend, question, top_k=self._top_k, snippet_chars=SNIPPET_CHARS))

    def profile(self) -> Profile | None:
        """Return the candidate profile (cached); None when the resume has none.

        Raises RetrievalUnavailable when memvid cannot be asked.
        """
        return self._profile.get_or_compute("profile", self._load_profile)

    def _load_profile(self) -> Profile | None:
        raw = self.backend.get_state(PROFILE_ENTITY, PROFILE_SLOT)
        return parse_profile(raw) if raw else None

    def health(self) -> BackendHealth:
        """Return the backend's health, probed with a short deadline and cached briefly."""
        return self._health.get_or_compute("health", lambda: self.backend.health(timeout=HEALTH_TIMEOUT_SECONDS))

    def cache_stats(self) -> list[CacheStats]:
        """Return the statistics of the retrieval caches."""
        return [self._passages.stats(), self._profile.stats(), self._health.stats()]

    def close(self) -> None:
        """Close the backend."""
        self.backend.close()


class UnconfiguredBackend:
    """Stands in when no memvid is configured or reachable: every call says unavailable."""

    name = "none"

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def search(self, query: str, *, top_k: int, snippet_chars: int) -> list[Passage]:
        raise RetrievalUnavailable()

    def get_state(self, entity: str, slot: str) -> str | None:
        raise RetrievalUnavailable()

    def health(self, *, timeout: float) -> BackendHealth:
        return BackendHealth(connected=False, source=self.reason)

    def close(self) -> None:
        return None
