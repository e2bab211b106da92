"""Memory of a cache's entries in Redis (app/state/redis_memory.py)."""

from __future__ import annotations

import redis

from app.state.redis_link import RedisLink
from app.state.redis_memory import SAMPLE, sampled_memory


def test_a_sample_of_entries_is_measured_and_scaled(redis_server):
    client = RedisLink.from_url(redis_server.url, timeout=0.5, max_connections=2).client
    for n in range(SAMPLE + 10):
        client.set(f"entry:{n}", "v" * 1000)
    keys = [[f"entry:{n}"] for n in range(SAMPLE + 10)]
    total, sampled = sampled_memory(client, keys, len(keys))
    assert sampled == SAMPLE
    assert total is not None
    assert 1000 * len(keys) < total < 2000 * len(keys)
    # A key gone between listing and measuring counts as nothing.
    assert sampled_memory(client, [["entry:0"], ["gone"]], 2)[0] == client.memory_usage("entry:0")


class RefusingPipeline:
    def memory_usage(self, key: str) -> None:
        return None

    def execute(self) -> list[int]:
        raise redis.ResponseError("unknown command 'MEMORY'")


class RefusingClient:
    def pipeline(self, transaction: bool) -> RefusingPipeline:
        return RefusingPipeline()


def test_a_server_refusing_memory_usage_gives_no_figure():
    assert sampled_memory(RefusingClient(), [["k"]], 1) == (None, 0)
