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
import math
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


def unreadable_session(session_id: str, redis_said: str) -> None:
    """Log that Redis refused a session's data (once per request that met it; Redis stays up)."""
    log.warning("session.unreadable", session_id=session_id, redis_said=redis_said)


def read_sessions(client: Any, ids: list[str]) -> list[Any]:
    """Return each session's hash and message list, in one transaction (each read whole, between
    turns); a key Redis refuses to read (WRONGTYPE) comes back as its error, in its place."""
    pipe = client.pipeline(transaction=True)
    for session_id in ids:
        meta, messages = session_keys(session_id)
        pipe.hgetall(meta)
        pipe.lrange(messages, 0, -1)
    return list(pipe.execute(raise_on_error=False))


class _Unreadable(Exception):
    """Why a stored session cannot be read."""


def decode_session(session_id: str, meta: Any, raw_messages: Any) -> Session | None:
    """Return the session stored as hash `meta` and list `raw_messages`; None when the hash is gone.

    One whose keys or fields are not as this version writes them comes back with `unreadable`
    saying why: listing the sessions must not fail on one of them (it was a traceback).
    """
    try:
        if isinstance(meta, Exception) or isinstance(raw_messages, Exception):
            raise _Unreadable("a key of the wrong type (WRONGTYPE)")
        return _decoded(session_id, meta, raw_messages) if meta else None
    except _Unreadable as reason:
        return Session(id=session_id, created_at=0.0, last_active=0.0, unreadable=str(reason))


def _decoded(session_id: str, meta: dict[bytes, bytes], raw_messages: list[bytes]) -> Session:
    fields = {key.decode(errors="replace"): value.decode(errors="replace") for key, value in meta.items()}
    messages = [_stored_message(number, raw) for number, raw in enumerate(raw_messages)]
    feedback: dict[int, Feedback] = {}
    for name, value in fields.items():
        if name.startswith("feedback:"):
            try:
                feedback[int(name.removeprefix("feedback:"))] = Feedback(**json.loads(value))
            except (ValueError, TypeError, RecursionError):
                raise _Unreadable(f"field {name!r} is not a rating") from None
    return Session(
        id=session_id,
        created_at=_number(fields, "created"),
        last_active=_number(fields, "last_active"),
        messages=messages,
        first_index=int(_number(fields, "first_index", default=0.0)),
        feedback=feedback,
    )


def _stored_message(number: int, raw: bytes) -> StoredMessage:
    try:
        message = json.loads(raw)
        role, content, at = message["role"], message["content"], float(message["at"])
    except (ValueError, TypeError, KeyError, RecursionError):
        role = content = at = None
    if role not in ("user", "assistant") or not isinstance(content, str) or at is None:
        raise _Unreadable(f"message {number} is not a stored message")
    return StoredMessage(role, content, at)


def _number(fields: dict[str, str], name: str, default: float | None = None) -> float:
    if name not in fields and default is not None:
        return default
    if name not in fields:
        raise _Unreadable(f"no {name!r} field")
    try:
        value = float(fields[name])
    except ValueError:
        raise _Unreadable(f"field {name!r} is not a number") from None
    if not math.isfinite(value):
        raise _Unreadable(f"field {name!r} is not a number")
    return value
