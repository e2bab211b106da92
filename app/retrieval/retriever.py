"""What the rest of the app asks of retrieval: passages for a question, the profile, health.

It hides which memvid backend answers, and caches the profile and the health probe.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import structlog
from opentelemetry.trace import StatusCode

from app.errors import RetrievalUnavailable
from app.resume.profile import Profile, parse_profile
from app.retrieval.hybrid import hybrid_search
from app.retrieval.types import (
    LEXICAL,
    PROFILE_ENTITY,
    PROFILE_SLOT,
    BackendHealth,
    MemvidBackend,
    Passage,
    Retrieval,
    SemanticBackend,
    VersionedBackend,
)
from app.state.caches import Cache, MemoryCache
from app.telemetry import tracing
from app.text.words import words

log = structlog.get_logger(__name__)

# Whole frames are short; a large snippet gives the LLM the full passage, not a fragment.
SNIPPET_CHARS = 2000
# /health must answer within a second even when memvid hangs.
HEALTH_TIMEOUT_SECONDS = 0.8
# Distinct questions whose passages are kept; recruiters mostly click suggested questions.
PASSAGES_CACHE_SIZE = 256


@dataclass(frozen=True, slots=True)
class SharedCaches:
    """The profile and passages caches when they live outside this process (Redis)."""

    profile: Cache[Profile | None]
    passages: Cache[Retrieval]


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
        shared: SharedCaches | None = None,
    ) -> None:
        self.backend = backend
        self._top_k = top_k
        # The health probe stays per process: it says whether *this* worker reaches memvid.
        self._health = MemoryCache[BackendHealth]("health", maxsize=1, ttl=health_ttl, timer=timer)
        self._profile: Cache[Profile | None]
        self._passages: Cache[Retrieval]
        if shared is not None:
            # The fleet's caches in Redis, with the TTLs they were built with (app/state/shared.py):
            # profile_ttl and passages_ttl configure only this process's own caches.
            self._profile, self._passages = shared.profile, shared.passages
        else:
            self._profile = MemoryCache("profile", maxsize=1, ttl=profile_ttl, timer=timer)
            self._passages = MemoryCache("retrieval", maxsize=PASSAGES_CACHE_SIZE, ttl=passages_ttl, timer=timer)

    @property
    def backend_name(self) -> str:
        return self.backend.name

    @property
    def modes(self) -> tuple[str, ...]:
        """Return the search modes the backend offers now, e.g. ("lexical", "semantic")."""
        if isinstance(self.backend, SemanticBackend):
            return self.backend.modes
        return (LEXICAL,)

    def retrieve(self, question: str, *, ask_memvid: bool = True) -> Retrieval:
        """Return what answers `question` (cached by its words); no passages (logged) when memvid is unavailable.

        The question's vector is part of the cached search, so a cached question costs no embedding.
        With `ask_memvid` False only the cache answers: the caller already waited out memvid's deadline.
        """
        # Both searches see only the question's case-folded words (the embedding model
        # ignores case and punctuation too), so questions that differ only in those share an entry.
        key = " ".join(words(question))
        searched = False
        # Under the index's version too: a resume replaced under a running service is answered
        # at once, and its passages never sit beside the old resume's cached profile.
        cache_key = f"{self._index_version()}:{key}"

        def search() -> Retrieval:
            nonlocal searched
            if not ask_memvid:
                raise RetrievalUnavailable()  # a miss is not searched: no second deadline for one question
            searched = True
            return self._search(key)

        with tracing.span("retrieval", {"memvid.backend": self.backend.name}) as span:
            try:
                # A failure is never cached: the next question asks memvid again.
                found = self._passages.get_or_compute(cache_key, search)
            except RetrievalUnavailable:
                log.warning("retrieval.unavailable", backend=self.backend.name)
                span.set_status(StatusCode.ERROR, "retrieval_unavailable")
                return Retrieval(passages=())
            span.set_attributes(
                {
                    "retrieval.cache_hit": not searched,
                    "retrieval.passages": len(found.passages),
                    "retrieval.modes": found.modes,
                }
            )
            return found

    def passages(self, question: str) -> list[Passage]:
        """Return only the passages of `retrieve(question)` (for callers that need no more, e.g. fit)."""
        return list(self.retrieve(question).passages)

    def _search(self, question: str) -> Retrieval:
        return hybrid_search(self.backend, question, top_k=self._top_k, snippet_chars=SNIPPET_CHARS)

    def profile(self) -> Profile | None:
        """Return the candidate profile (cached); None when the resume has none.

        Raises RetrievalUnavailable when memvid cannot be asked.
        """
        return self._profile.get_or_compute(f"profile:{self._index_version()}", self._load_profile)

    def _load_profile(self) -> Profile | None:
        raw = self.backend.get_state(PROFILE_ENTITY, PROFILE_SLOT)
        return parse_profile(raw) if raw else None

    def _index_version(self) -> str:
        return self.backend.index_version if isinstance(self.backend, VersionedBackend) else ""

    def health(self) -> BackendHealth:
        """Return the backend's health, probed with a short deadline and cached briefly."""
        return self._health.get_or_compute("health", lambda: self.backend.health(timeout=HEALTH_TIMEOUT_SECONDS))

    def caches(self) -> dict[str, Cache[object]]:
        """Return retrieval's caches by name (for the cache CLI)."""
        caches: list[Cache[object]] = [self._passages, self._profile, self._health]  # type: ignore[list-item]
        return {cache.name: cache for cache in caches}

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

    @property
    def modes(self) -> tuple[str, ...]:
        return ()

    def semantic_search(self, question: str, *, top_k: int, snippet_chars: int) -> list[Passage]:
        raise RetrievalUnavailable()

    def get_state(self, entity: str, slot: str) -> str | None:
        raise RetrievalUnavailable()

    def health(self, *, timeout: float) -> BackendHealth:
        return BackendHealth(connected=False, source=self.reason)

    def close(self) -> None:
        return None
