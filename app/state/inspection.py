"""What the cache CLI shows and does, as plain JSON-ready values, over any session store and caches.

The admin endpoint (app/api/admin.py) runs it inside a worker, over that worker's state; the
CLI runs it itself over Redis when REDIS_URL is set. Either way the CLI prints the same values.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import asdict
from typing import Any

from app.state.caches import Cache, CacheStats
from app.state.sessions import Session, SessionStore


class UnknownCache(KeyError):
    """No cache of that name."""


class Inspector:
    """Statistics, listing and clearing of the sessions and the caches."""

    def __init__(
        self,
        sessions: SessionStore,
        caches: Mapping[str, Cache[Any]],
        *,
        session_ttl: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._sessions = sessions
        self._caches = caches
        self._ttl = session_ttl
        self._clock = clock

    def names(self) -> list[str]:
        return ["sessions", *self._caches]

    def stats(self) -> list[dict[str, Any]]:
        """Return one row per cache: entries, bound, TTL, hits, misses, hit ratio, removals, memory."""
        return [_stats_row(stats) for stats in (self._sessions.stats(), *(c.stats() for c in self._caches.values()))]

    def sessions(self, limit: int) -> list[dict[str, Any]]:
        """Return up to `limit` sessions, most recently active first, without their messages."""
        return [self._summary(session) for session in self._sessions.recent(limit)]

    def session(self, session_id: str) -> dict[str, Any] | None:
        """Return one conversation with its messages and ratings; None when there is none."""
        session = self._sessions.get(session_id)
        if session is None or session.unreadable:
            return None if session is None else self._summary(session)
        return {
            **self._summary(session),
            "messages": [asdict(message) for message in session.messages],
            "first_index": session.first_index,
            "feedback": {str(index): asdict(rating) for index, rating in session.feedback.items()},
        }

    def clear(self, name: str | None) -> dict[str, int]:
        """Empty one cache (or all); return how many entries each held."""
        if name is not None and name not in self.names():
            raise UnknownCache(name)
        cleared: dict[str, int] = {}
        if name in (None, "sessions"):
            cleared["sessions"] = self._sessions.clear()
        for cache_name, cache in self._caches.items():
            if name in (None, cache_name):
                cleared[cache_name] = cache.clear()
        return cleared

    def expire(self, session_id: str) -> bool:
        """Forget one session now; False when there is none."""
        return self._sessions.delete(session_id)

    def _summary(self, session: Session) -> dict[str, Any]:
        if session.unreadable:  # its times and messages are not known: none is made up
            return {"id": session.id, "created": None, "last_active": None, "messages": None, "expires_in": None,
                    "unreadable": session.unreadable}  # fmt: skip
        return {
            "id": session.id,
            "created": session.created_at,
            "last_active": session.last_active,
            "messages": len(session.messages),
            # Both stores expire a session SESSION_TTL after its last activity.
            "expires_in": round(max(0.0, session.last_active + self._ttl - self._clock()), 1),
        }


def _stats_row(stats: CacheStats) -> dict[str, Any]:
    lookups = stats.hits + stats.misses
    return {
        "name": stats.name,
        "backend": stats.backend,
        "entries": stats.size,
        "max_entries": stats.maxsize or None,  # None: bounded by TTL only (Redis)
        "ttl_seconds": stats.ttl_seconds,
        "hits": stats.hits,
        "misses": stats.misses,
        "hit_ratio": round(stats.hits / lookups, 3) if lookups else None,
        "evictions": stats.evictions,  # None: not counted (Redis's own maxmemory evictions)
        "expiries": stats.expiries,  # None: not counted (Redis expires cache keys itself)
        "memory_bytes": stats.memory_bytes,  # approximate, extrapolated from the sampled entries
        "memory_sampled_entries": stats.memory_sampled,
    }
