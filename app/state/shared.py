"""Where shared state lives: in this process, or in Redis when REDIS_URL is set (SPEC §2).

The factory calls `build_shared_state` once per app; no network call happens here (the
Redis pool connects on first use).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from app.config import Settings
from app.resume.profile import Profile
from app.retrieval.retriever import SharedCaches
from app.retrieval.types import Passage, Retrieval
from app.state.memory_sessions import MemorySessionStore
from app.state.redis_cache import RedisCache
from app.state.redis_link import RedisLink
from app.state.redis_sessions import RedisSessionStore
from app.state.sessions import SessionStore


@dataclass(frozen=True, slots=True)
class SharedState:
    sessions: SessionStore
    caches: SharedCaches | None = None  # None: the retriever keeps its caches in memory
    redis: RedisLink | None = None


def build_shared_state(settings: Settings) -> SharedState:
    """Return the session store and caches the settings ask for."""
    sessions: SessionStore
    if not settings.redis_url:
        sessions = MemorySessionStore(
            ttl=settings.session_ttl, max_sessions=settings.max_sessions, max_history=settings.max_history_messages
        )
        return SharedState(sessions)
    link = RedisLink.from_url(
        settings.redis_url, timeout=settings.redis_timeout_seconds, max_connections=settings.redis_max_connections
    )
    sessions = RedisSessionStore(
        link, ttl=settings.session_ttl, max_sessions=settings.max_sessions, max_history=settings.max_history_messages
    )
    caches = SharedCaches(
        profile=RedisCache(
            link, "profile", ttl=settings.profile_cache_seconds, encode=_profile_json, decode=_profile_from_json
        ),
        passages=RedisCache(
            link, "retrieval", ttl=settings.retrieval_cache_seconds, encode=_retrieval_json, decode=_retrieval_from_json
        ),
    )
    return SharedState(sessions, caches, link)


def _profile_json(profile: Profile | None) -> str:
    return profile.model_dump_json() if profile is not None else "null"


def _profile_from_json(text: str) -> Profile | None:
    return None if text == "null" else Profile.model_validate_json(text)


def _retrieval_json(found: Retrieval) -> str:
    passages = [[p.title, p.text, p.score, list(p.tags)] for p in found.passages]
    return json.dumps({"passages": passages, "words": list(found.searched_words), "modes": list(found.modes)})


def _retrieval_from_json(text: str) -> Retrieval:
    data = json.loads(text)
    passages = tuple(Passage(title, body, score, tuple(tags)) for title, body, score, tags in data["passages"])
    return Retrieval(passages, tuple(data["words"]), tuple(data["modes"]))
