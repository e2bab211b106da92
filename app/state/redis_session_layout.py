"""How conversation sessions are laid out in Redis (SPEC §4): the keys, and reading one back.

Keys, for session S: `resume:session:S` (hash: created, last_active, first_index, feedback:N),
`resume:session:S:messages` (list of JSON messages, oldest first), both expiring SESSION_TTL
after the last completed turn; `resume:sessions` (sorted set of ids by last activity: the
count, the newest-first listing and the MAX_SESSIONS eviction order); `resume:stats:sessions`
(hash of hits, misses, evictions and expiries: the fleet-wide tally the cache CLI reads;
`cache_lookups_total` and `cache_removals_total` keep each process's share for Prometheus).
An expired session's keys are dropped by Redis itself; it is counted as an expiry when its
index entry is forgotten (by the next new session's script, or seen as such by stats()).
"""

from __future__ import annotations

import json
from typing import Any

import structlog

from app.llm.types import ChatMessage
from app.state.sessions import Feedback, Session, StoredMessage

log = structlog.get_logger(__name__)

PREFIX = "resume:session:"
INDEX = "resume:sessions"
STATS = "resume:stats:sessions"


def session_keys(session_id: str) -> list[str]:
    """Return the session's own keys: its hash and its message list."""
    return [PREFIX + session_id, PREFIX + session_id + ":messages"]


def delete_sessions(client: Any, ids: list[str]) -> None:
    """Forget the sessions `ids` in one transaction: their keys and their index entries."""
    pipe = client.pipeline(transaction=True)
    pipe.delete(*[key for i in ids for key in session_keys(i)])
    pipe.zrem(INDEX, *ids)
    pipe.execute()


def conversation(raw_messages: list[bytes]) -> list[ChatMessage]:
    """Return the stored messages a conversation can go on from, leaving out any unreadable one.

    Another version or tool may have written the list, or a message may be cut short: one that
    is not a user's or an assistant's text must not fail the question (it was a 500), and a
    stored "system" message is never passed on as an instruction.
    """
    readable: list[ChatMessage] = []
    for raw in raw_messages:
        try:
            message = json.loads(raw)
        except (ValueError, RecursionError):
            message = None
        role, content = (message.get("role"), message.get("content")) if isinstance(message, dict) else (None, None)
        if role in ("user", "assistant") and isinstance(content, str):
            readable.append({"role": role, "content": content})
    if skipped := len(raw_messages) - len(readable):
        log.warning("session.unreadable_message", skipped=skipped)
    return readable


def decode_session(session_id: str, meta: dict[bytes, bytes], raw_messages: list[bytes]) -> Session | None:
    """Return the session stored as hash `meta` and list `raw_messages`; None when the hash is gone."""
    if not meta:
        return None
    fields = {key.decode(): value.decode() for key, value in meta.items()}
    messages = [StoredMessage(m["role"], m["content"], m["at"]) for m in map(json.loads, raw_messages)]
    feedback = {
        int(name.removeprefix("feedback:")): Feedback(**json.loads(value))
        for name, value in fields.items()
        if name.startswith("feedback:")
    }
    return Session(
        id=session_id,
        created_at=float(fields["created"]),
        last_active=float(fields["last_active"]),
        messages=messages,
        first_index=int(fields.get("first_index", 0)),
        feedback=feedback,
    )
