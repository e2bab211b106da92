"""The rate limiter's Redis storage, going through the worker's RedisLink.

`limits`' RedisStorage over the worker's pool (its Lua scripts keep the moving window exact
across workers and hosts), with every call made through the link (app/state/redis_link.py).
On its own, the storage paid for a hanging Redis apart from the link: the first request of an
outage waited for the limiter's check, then for Flask-Limiter's health check of its storage
(a PING it makes as it falls back to memory, and again 1, 2, 4 ... 32 s later), then for the
session store: three timeouts (tests/test_shared.py counted them). Through the link the first
failure marks Redis down for every store, later calls fail at once, and Flask-Limiter's
health check answers from the link: it returns to Redis once the link's probe has heard it.
Registered with `limits` under the scheme `linked-redis://`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import redis
from limits.storage import RedisStorage

from app.state.redis_link import RedisLink, RedisUnavailable

T = TypeVar("T")


class LinkedRedisStorage(RedisStorage):
    """limits' Redis storage whose calls fail at once while the worker's link is down."""

    STORAGE_SCHEME = ["linked-redis"]
    URI = "linked-redis://"

    def __init__(self, uri: str | None = None, *, link: RedisLink, **options: Any) -> None:
        self._link = link
        super().__init__("redis://", connection_pool=link.client.connection_pool, **options)

    @property
    def base_exceptions(self) -> tuple[type[Exception], ...]:
        return (redis.RedisError, RedisUnavailable)

    def _linked(self, call: Callable[..., T], *args: Any) -> T:
        return self._link.run(lambda _client: call(*args))

    # -- what the moving window and its headers use ----------------------------------

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        return self._linked(super().acquire_entry, key, limit, expiry, amount)

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        return self._linked(super().get_moving_window, key, limit, expiry)

    # -- the rest of the storage, so that nothing reaches Redis past the link ----------

    def acquire_sliding_window_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        return self._linked(super().acquire_sliding_window_entry, key, limit, expiry, amount)

    def get_sliding_window(self, key: str, expiry: int) -> tuple[int, float, int, float]:
        return self._linked(super().get_sliding_window, key, expiry)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return self._linked(super().incr, key, expiry, amount)

    def get(self, key: str) -> int:
        return self._linked(super().get, key)

    def get_expiry(self, key: str) -> float:
        return self._linked(super().get_expiry, key)

    def clear(self, key: str) -> None:
        self._linked(super().clear, key)

    def reset(self) -> int | None:
        return self._linked(super().reset)

    def check(self) -> bool:
        """Whether Redis takes a write: at once, without the network, while the link is down."""
        return self._link.ping()
