"""The approximate memory a cache's entries take in Redis: `MEMORY USAGE` of a sample of them.

At most SAMPLE entries are measured, in one pipelined round trip, and the mean is scaled to
the cache's entry count. Redis's own estimate of a key is itself approximate (it samples the
elements of large hashes and lists). A server that refuses MEMORY (some managed offerings
do) gives no figure rather than failing the whole stats call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import redis

SAMPLE = 50


def sampled_memory(client: Any, entries: Sequence[Sequence[str | bytes]], count: int) -> tuple[int | None, int]:
    """Return (the estimated bytes of `count` entries, how many were measured) from the first SAMPLE of
    `entries`, each entry being the keys that hold it; None bytes when Redis refuses MEMORY USAGE."""
    sample = entries[:SAMPLE]
    if not sample:
        return 0, 0
    pipe = client.pipeline(transaction=False)
    for keys in sample:
        for key in keys:
            pipe.memory_usage(key)
    try:
        sizes = iter(pipe.execute())
    except redis.ResponseError:
        return None, 0
    # A key that expired between the listing and the measuring answers nil: it counts as 0.
    measured = [sum(next(sizes) or 0 for _ in keys) for keys in sample]
    return round(sum(measured) * count / len(measured)), len(measured)
