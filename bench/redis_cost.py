"""What shared state costs per chat turn, in memory and in Redis, without the rest of the service.

    uv run python -m bench.redis_cost [--turns 2000]

Runs the state calls of one chat turn (rate-limit check and its headers, the model budget's
charge, open the session,
retrieval cache, profile cache, append the turn), in one process against a local
redis-server it starts, and prints wall and CPU time per turn for both stores. The full
benchmark (`python -m bench --redis`) shows the same cost inside the running service.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from limits import RateLimitItemPerMinute
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter

from app.state.caches import MemoryCache
from app.state.limit_storage import WindowMemoryStorage
from app.state.memory_sessions import MemorySessionStore
from app.state.redis_cache import RedisCache
from app.state.redis_link import RedisLink
from app.state.redis_sessions import RedisSessionStore
from app.state.sessions import SessionStore
from bench.processes import Processes, start_redis

LIMIT = RateLimitItemPerMinute(1_000_000)
ANSWER = "Ada ran Kubernetes on AWS for five years. " * 6


def turn_of(
    sessions: SessionStore, passages: object, profile: object, limiter: MovingWindowRateLimiter
) -> Callable[[int], None]:
    def turn(n: int) -> None:
        client = f"10.0.{n % 200}.1"
        limiter.hit(LIMIT, client)
        limiter.get_window_stats(LIMIT, client)
        limiter.hit(LIMIT, "model_token_budget", client)  # the model budget's charge (app/api/model_budget.py)
        session_id, _ = sessions.open_conversation(str(uuid.uuid4()) if n % 3 == 0 else f"bench-{n % 100}")
        passages.get_or_compute(f"question {n % 12}", lambda: ("passage",) * 5)  # type: ignore[attr-defined]
        profile.get_or_compute("profile", lambda: "{}")  # type: ignore[attr-defined]
        sessions.append_turn(session_id, "What cloud experience does Ada have?", ANSWER)

    return turn


def measure(turn: Callable[[int], None], turns: int) -> tuple[float, float]:
    """Return (wall µs, CPU µs) per turn."""
    for n in range(200):
        turn(n)
    wall, cpu = time.perf_counter(), time.process_time()
    for n in range(turns):
        turn(n)
    return (time.perf_counter() - wall) / turns * 1e6, (time.process_time() - cpu) / turns * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.redis_cost", description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=2000)
    turns = parser.parse_args().turns
    memory = turn_of(
        MemorySessionStore(ttl=1800, max_sessions=10_000, max_history=20),
        MemoryCache("bench-retrieval", maxsize=256, ttl=60),
        MemoryCache("bench-profile", maxsize=1, ttl=60),
        MovingWindowRateLimiter(WindowMemoryStorage()),
    )
    with tempfile.TemporaryDirectory() as tmp:
        procs = Processes(Path(tmp))
        try:
            port, _ = start_redis(procs, None)
            url = f"redis://127.0.0.1:{port}/0"
            link = RedisLink.from_url(url, timeout=0.5, max_connections=10)
            redis = turn_of(
                RedisSessionStore(link, ttl=1800, max_sessions=10_000, max_history=20),
                RedisCache(link, "retrieval", ttl=60, encode=str, decode=str),
                RedisCache(link, "profile", ttl=60, encode=str, decode=str),
                MovingWindowRateLimiter(RedisStorage(url, connection_pool=link.client.connection_pool)),
            )
            results = {"memory": measure(memory, turns), "redis": measure(redis, turns)}
        finally:
            procs.stop()
    print(f"{turns} turns, one process, redis-server on loopback")
    print("| state | wall µs per turn | CPU µs per turn (this process) |\n|---|---|---|")
    for name, (wall, cpu) in results.items():
        print(f"| {name} | {wall:.0f} | {cpu:.0f} |")
    added_wall, added_cpu = (results["redis"][i] - results["memory"][i] for i in (0, 1))
    print(f"Redis adds {added_wall:.0f} µs wall and {added_cpu:.0f} µs of worker CPU per turn")


if __name__ == "__main__":
    main()
