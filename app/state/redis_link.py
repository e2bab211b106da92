"""One worker's connection to Redis, and whether Redis is answering.

A bounded pool per worker process (redis-py is pure Python: under gevent's patched sockets
its calls are cooperative). Every call has the connect and socket timeout, and none is
retried by redis-py: a Redis in trouble must cost a request one timeout, not several.

After a failure the link is down: calls fail at once, without touching the network, while
a background probe writes to Redis every RETRY_SECONDS; the first write it takes brings the
link back (PROBE_KEY says why a write). No request pays for a probe: when each request was
the probe, a hanging Redis cost every request of a quiet site a timeout, or several when it
ran longer than RETRY_SECONDS. One warning is logged when Redis goes away and one line when
it is back, never one per request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import redis
import structlog
from opentelemetry.instrumentation.utils import suppress_instrumentation
from redis.backoff import NoBackoff
from redis.retry import Retry

log = structlog.get_logger(__name__)

T = TypeVar("T")

# Seconds between two probes of the background probe while the link is down.
RETRY_SECONDS = 1.0
# What a probe writes. A write, not a PING: a Redis that refuses writes (a primary demoted to
# a replica by a failover the client has not followed, a full or a MISCONF one) answers PING,
# so the link came back every second to fail the next request again, and health said
# "connected" while no conversation was kept.
PROBE_KEY = "resume:probe"
PROBE_TTL_MS = 60_000


# What redis-py's BlockingConnectionPool raises when no connection came free in time.
POOL_EXHAUSTED = "No connection available."


class RedisUnavailable(Exception):
    """Redis did not answer in time (or the link is down and its probe has not heard it since)."""


class RedisDataError(RedisUnavailable):
    """Redis answered, but refused the data of a key (a key of the wrong type, a field that is
    not a number, a script failing on what it read): that key is unreadable, Redis is not down.

    A RedisUnavailable, so a caller that only degrades (a new conversation, a cache miss) needs
    no second except clause; a caller that can name the cause catches this first.
    """

    def __init__(self, redis_said: str) -> None:
        super().__init__(redis_said)
        self.redis_said = redis_said


# Redis's words for one key's data refused (WRONGTYPE; "hash value is not an integer"; a Lua
# runtime error, "user_script:46: attempt to perform arithmetic on ... a nil value"), and for
# a Redis in trouble that a script passes on in the same kind of reply (MISCONF, OOM, ...).
_DATA_ERRORS = ("WRONGTYPE", "is not an integer", "is not a valid float", "user_script:")
_OUTAGE_ERRORS = ("MISCONF", "OOM", "READONLY", "NOPERM", "NOAUTH", "LOADING", "BUSY", "MASTERDOWN")


def redacted(url: str) -> str:
    """Return `url` with its password (if any) replaced by `***`: the only form ever shown."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}{port}"))


def connect(url: str, *, timeout: float, max_connections: int) -> redis.Redis:
    """Return a client with its own bounded pool; no network call happens here."""
    # BlockingConnectionPool: past `max_connections` a caller waits (at most `timeout`)
    # for a free connection instead of opening an unbounded number of sockets.
    pool = redis.BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=timeout,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
        health_check_interval=30,
    )
    return redis.Redis(connection_pool=pool)


class RedisLink:
    """A Redis client plus the up/down state every shared store consults."""

    def __init__(self, client: redis.Redis, *, url: str, sleep: Callable[[float], None] | None = None) -> None:
        self.client = client
        self.shown_url = redacted(url)
        # Looked up at call time: gevent patches `time.sleep` after this module may be imported.
        self._sleep = sleep or (lambda seconds: time.sleep(seconds))
        self._lock = threading.Lock()
        self._up = True

    @classmethod
    def from_url(cls, url: str, *, timeout: float, max_connections: int) -> RedisLink:
        return cls(connect(url, timeout=timeout, max_connections=max_connections), url=url)

    @property
    def up(self) -> bool:
        """Whether the last call reached Redis."""
        return self._up

    def run(self, operation: Callable[[Any], T]) -> T:
        """Run `operation` with the client; raise RedisUnavailable when Redis does not answer.

        The client is typed Any: redis-py's stubs type every reply as a union of all of them.
        """
        if not self._up:
            raise RedisUnavailable()
        try:
            result = operation(self.client)
        except redis.ConnectionError as error:
            if str(error) == POOL_EXHAUSTED:
                # Every pooled connection stayed busy for the whole timeout: this worker is
                # overloaded, Redis is not down. Fail this call, keep the link up.
                raise RedisUnavailable() from None
            self._went_down(error)
            raise RedisUnavailable() from None
        except redis.RedisError as error:  # also a timeout, a full (OOM) or a loading Redis
            if _is_data_error(error):
                # One key's data: treating it as an outage took Redis away from every request
                # for a probe interval, each time that one session was asked for.
                raise RedisDataError(str(error)[:200]) from None
            self._went_down(error)
            raise RedisUnavailable() from None
        self._came_back()
        return result

    def ping(self) -> bool:
        """Return whether Redis takes a write now (a down link says no at once, until its probe hears it)."""
        try:
            return self.run(_probe)
        except RedisUnavailable:
            return False

    def close(self) -> None:
        """Close the pool's connections."""
        self.client.close()

    def _went_down(self, error: Exception) -> None:
        with self._lock:
            was_up, self._up = self._up, False
        if was_up:
            # The error's class only: its text may carry the address, never the URL's password.
            # Redis's own refusals say what is wrong ("DB index is out of range"): those are kept.
            said = str(error)[:120] if isinstance(error, redis.ResponseError) else None
            log.warning("redis.unavailable", redis=self.shown_url, error=type(error).__name__, redis_said=said)
            # A thread, or under gevent's patching a greenlet: one per outage.
            threading.Thread(target=self._probe_until_back, name="redis-probe", daemon=True).start()

    def _probe_until_back(self) -> None:
        while not self._up:
            self._sleep(RETRY_SECONDS)
            try:
                # A background probe is no request: it must not start a trace a second while
                # Redis is away (a test's tracer caught them inside later tests' turns).
                with suppress_instrumentation():
                    _probe(self.client)
            except redis.RedisError:
                continue
            self._came_back()

    def _came_back(self) -> None:
        if self._up:
            return
        with self._lock:
            was_down, self._up = not self._up, True
        if was_down:
            log.info("redis.recovered", redis=self.shown_url)


def _is_data_error(error: redis.RedisError) -> bool:
    # Exactly ResponseError: its subclasses (ReadOnlyError, OutOfMemoryError, ...) are outages.
    said = str(error)
    return (
        type(error) is redis.ResponseError
        and any(marker in said for marker in _DATA_ERRORS)
        and not any(marker in said for marker in _OUTAGE_ERRORS)
    )


def _probe(client: Any) -> bool:
    return bool(client.set(PROBE_KEY, "1", px=PROBE_TTL_MS))
