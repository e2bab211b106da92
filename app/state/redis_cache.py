"""A cache of computed values in Redis, shared by every worker and host, with the same TTLs.

Entries are `resume:cache:NAME:KEY` strings that Redis expires; values are JSON (never
pickle: what is read back from a shared server must not be able to run code). Hits and
misses are counted in `resume:stats:NAME` in the same round trip as the read, so the cache
CLI sees the whole fleet's figures; `cache_lookups_total` keeps each process's for Prometheus.
Evictions and expiries are Redis's own (TTL, maxmemory policy) and are not counted per cache;
memory is Redis's MEMORY USAGE of a sample of the entries.
While Redis is unavailable every lookup computes the value, as a cache with nothing in it would.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from app.state.caches import CacheStats, LookupCounter
from app.state.redis_link import RedisLink, RedisUnavailable
from app.state.redis_memory import sampled_memory

V = TypeVar("V")

PREFIX = "resume:cache:"

# Read one entry and count the lookup: KEYS = [entry, stats hash].
_LOOKUP = """
local value = redis.call('GET', KEYS[1])
redis.call('HINCRBY', KEYS[2], value and 'hits' or 'misses', 1)
return value
"""


class RedisCache(Generic[V]):
    """A TTL cache in Redis; `encode`/`decode` turn a value into JSON text and back."""

    def __init__(
        self, link: RedisLink, name: str, *, ttl: float, encode: Callable[[V], str], decode: Callable[[str], V]
    ) -> None:
        self.name = name
        self._link = link
        self._ttl = ttl
        self._encode = encode
        self._decode = decode
        self._stats_key = f"resume:stats:{name}"
        self._lookup = link.client.register_script(_LOOKUP)
        self._lookups = LookupCounter(name)

    def get_or_compute(self, key: str, compute: Callable[[], V]) -> V:
        """Return the shared value for `key`, computing and storing it on a miss."""
        if self._ttl <= 0:
            self._lookups.miss()
            return compute()
        entry = f"{PREFIX}{self.name}:{key}"
        try:
            found = self._link.run(lambda client: self._lookup(keys=[entry, self._stats_key]))
        except RedisUnavailable:
            found = None
        if found is not None:
            self._lookups.hit()
            return self._decode(found.decode())
        self._lookups.miss()
        value = compute()  # failures propagate and are never stored
        encoded = self._encode(value)
        with contextlib.suppress(RedisUnavailable):
            self._link.run(lambda client: client.set(entry, encoded, px=int(self._ttl * 1000)))
        return value

    def stats(self) -> CacheStats:
        """Return entries, TTL, the fleet-wide hit/miss counts and approximate memory (raises RedisUnavailable)."""
        entries = self._entries()
        counts: dict[bytes, bytes] = self._link.run(lambda client: client.hgetall(self._stats_key))
        hits, misses = (int(counts.get(name, 0)) for name in (b"hits", b"misses"))
        memory, sampled = self._link.run(lambda client: sampled_memory(client, [[e] for e in entries], len(entries)))
        # No entry bound and no removal counts: Redis expires entries by TTL (and by its own maxmemory policy).
        return CacheStats(
            self.name, len(entries), 0, self._ttl, hits, misses, "redis", memory_bytes=memory, memory_sampled=sampled
        )

    def clear(self) -> int:
        """Drop every entry of this cache (counts are kept); return how many there were."""
        entries = self._entries()
        if entries:
            self._link.run(lambda client: client.delete(*entries))
        return len(entries)

    def _entries(self) -> list[Any]:
        pattern = f"{PREFIX}{self.name}:*"
        return self._link.run(lambda client: list(client.scan_iter(match=pattern, count=500)))
