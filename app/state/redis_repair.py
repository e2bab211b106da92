"""Putting right the keys a session script was refused on, so a conversation keeps its id.

A key of another type (written by another tool, by hand, by another version) or a stats counter
that is not a whole number made Redis refuse the session scripts. The chat then went on under a
new id each time, and each new id met the same key again (a shared one: the index or the stats
hash): every request started a new conversation. Each such key is put right once, then the
script runs again. Keys are under this service's prefix: what they held could not be read anyway.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

import structlog

from app.state.redis_link import RedisDataError, RedisLink, RedisUnavailable
from app.state.redis_session_layout import unreadable_session

log = structlog.get_logger(__name__)

T = TypeVar("T")

# The scripts' KEYS, in order: session hash, its messages, the sessions index, the stats hash.
EXPECTED_TYPES = ("hash", "list", "zset", "hash")
_WHOLE_NUMBER = re.compile(rb"-?\d{1,18}")


def repair_keys(client: Any, keys: list[str]) -> list[str]:
    """Delete each of `keys` not of its expected type, and stats fields that are not whole numbers;
    return what was put right."""
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.type(key)
    found = [kind.decode() if isinstance(kind, bytes) else str(kind) for kind in pipe.execute()]
    repaired = [key for key, kind, want in zip(keys, found, EXPECTED_TYPES, strict=True) if kind not in ("none", want)]
    if repaired:
        client.delete(*repaired)
    stats = keys[3]
    if stats not in repaired:
        bad = [name for name, value in client.hgetall(stats).items() if not _WHOLE_NUMBER.fullmatch(value)]
        if bad:
            client.hdel(stats, *bad)
            repaired += [f"{stats} {name.decode(errors='replace')}" for name in bad]
    return repaired


def run_or_repair(link: RedisLink, script: Callable[[Any], T], keys: list[str], session_id: str) -> T | None:
    """Run `script`; when Redis refuses its keys' data, put `keys` right and run it once more.
    None when Redis is away, or refuses it again."""
    try:
        return link.run(script)
    except RedisDataError as error:
        unreadable_session(session_id, error.redis_said)
    except RedisUnavailable:
        return None
    try:
        repaired = link.run(lambda client: repair_keys(client, keys))
        log.warning("session.keys_repaired", session_id=session_id, keys=repaired)
        return link.run(script)
    except RedisUnavailable as again:
        said = again.redis_said if isinstance(again, RedisDataError) else None
        log.warning("session.keys_not_repaired", session_id=session_id, redis_said=said)
        return None
