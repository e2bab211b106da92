"""Per-client-IP rate limit on the endpoints that spend LLM tokens (SPEC §5), with Flask-Limiter.

Without REDIS_URL the counters live in `window-memory://` (app/state/limit_storage.py), the
same moving windows as `limits`' own `memory://` without its expiry thread, which cost a busy
worker 14 % of its CPU with 500 clients (bench/). With REDIS_URL they live in Redis (`limits`'
redis storage: the moving window is one Lua script, so N concurrent requests admit exactly the
limit across every worker and host), through the worker's own Redis link
(app/state/redis_limits.py). While Redis does not answer, Flask-Limiter falls back to
per-worker memory (`in_memory_fallback_enabled`), logs one warning, and checks its storage
again 1, 2, 4 ... 32 s after its previous check (the first counted from its creation): a
check the link answers without the network until its probe has heard Redis again.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Callable, Mapping
from functools import partial

from flask import Blueprint, Flask, Response, current_app, request
from flask_limiter import Limiter

from app.components import components
from app.config import Settings
from app.errors import retry_after_seconds
from app.state.limit_storage import WindowMemoryStorage
from app.state.redis_limits import LinkedRedisStorage

IPV6_PREFIX = 64  # the smallest block an ISP or a cloud gives one customer
# Limit, requests left in the window, when it resets (epoch seconds): on every limited answer.
RATE_LIMIT_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
_LIMITED = "rate_limited_blueprints"


def client_address() -> str:
    """Return whom a request is counted against: the client's IPv4 address, or its IPv6 /64.

    Behind proxies ProxyFix has already resolved the trusted hops. One IPv6 subscriber (a home,
    a cloud VM) is given a whole /64: counted per address, each of its 2^64 addresses started
    with a full limit and a full model budget.
    """
    address = request.remote_addr or "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # ::ffff:1.2.3.4 is the IPv4 client 1.2.3.4
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, IPV6_PREFIX), strict=False))
    return address


def _is_preflight() -> bool:
    # A browser asks (OPTIONS) before each cross-origin POST and needs a 2xx to send it:
    # counting preflights halved a page's chats, and refusing one hides the 429's detail.
    return request.method == "OPTIONS"


def _exemption(counts: Callable[[], bool] | None) -> Callable[[], bool]:
    """Exempt preflights, and the requests `counts` says do not count."""
    if counts is None:
        return _is_preflight
    return lambda: _is_preflight() or not counts()


def init_app(
    app: Flask, settings: Settings, *, limited: list[Blueprint], counted: Mapping[str, Callable[[], bool]] | None = None
) -> Limiter:
    """Bind a limiter to `app` and limit each blueprint in `limited`, per client IP; `counted`
    names, by blueprint, which of its requests count (default: all but CORS preflights)."""
    limiter = _limiter(app, settings)
    rate = f"{settings.rate_limit_per_minute}/minute"
    for blueprint in limited:
        limiter.limit(rate, exempt_when=_exemption((counted or {}).get(blueprint.name)))(blueprint)
    app.after_request(partial(_add_headers, limiter))
    app.extensions[_LIMITED] = frozenset(blueprint.name for blueprint in limited)
    return limiter


def limited_endpoints(app: Flask) -> frozenset[str]:
    """The endpoints (`chat.chat`...) whose answers the rate limit counts, for the OpenAPI document."""
    names = app.extensions.get(_LIMITED, frozenset())
    return frozenset(endpoint for endpoint in app.view_functions if endpoint.partition(".")[0] in names)


class _SwallowedWithoutTraceback(logging.Filter):
    """Flask-Limiter logs a Redis failure it swallows with a full traceback, at ERROR: the link's
    own `redis.unavailable` warning already says Redis is away, so this is a warning, one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "Swallowing error" in str(record.msg):
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


_LIMITER_LOG = logging.getLogger("flask-limiter")
if not any(isinstance(f, _SwallowedWithoutTraceback) for f in _LIMITER_LOG.filters):
    _LIMITER_LOG.addFilter(_SwallowedWithoutTraceback())


def _limiter(app: Flask, settings: Settings) -> Limiter:
    # One limiter per app (not a module global): each app in the tests gets its own counters.
    # Its own header injection stays off: it stamps Retry-After on every response of a
    # limited route, which would overwrite an upstream's Retry-After on a 503.
    redis = components(app).redis
    if not (settings.redis_url and redis is not None):
        return Limiter(client_address, app=app, storage_uri=WindowMemoryStorage.URI, strategy="moving-window")
    return Limiter(
        client_address,
        app=app,
        # limits' RedisStorage over the worker's pool, through its link: one outage, one timeout.
        storage_uri=LinkedRedisStorage.URI,
        storage_options={"link": redis},  # type: ignore[dict-item]
        strategy="moving-window",
        in_memory_fallback_enabled=True,
        # A request whose check was under way on Redis when another request switched the
        # limiter to its fallback would otherwise re-raise Redis's error as a 500.
        swallow_errors=True,
    )


def seconds_until_allowed() -> int | None:
    """Whole seconds until the limit just hit lets this client in again; None when unknown.

    For answers that carry the wait in their body as well as in Retry-After (MCP's JSON-RPC error).
    """
    for limiter in current_app.extensions.get("limiter", ()):
        current = limiter.current_limit
        if current is not None:
            try:
                return retry_after_seconds(current.reset_at - time.time())
            except limiter.storage.base_exceptions:
                return None
    return None


def _add_headers(limiter: Limiter, response: Response) -> Response:
    """X-RateLimit-* on every limited response, and Retry-After on a 429 that has none."""
    current = limiter.current_limit
    if current is None:
        return response
    try:
        remaining, reset_at = current.remaining, current.reset_at  # a storage read
    except limiter.storage.base_exceptions:
        # Redis failed after admitting the request (the limiter logs its own fallback):
        # the answer goes out without the headers rather than as an error.
        return response
    limit, left, reset = RATE_LIMIT_HEADERS
    response.headers[limit] = str(current.limit.amount)
    response.headers[left] = str(max(0, remaining))
    response.headers[reset] = str(int(reset_at))
    if response.status_code == 429 and "Retry-After" not in response.headers:
        response.headers["Retry-After"] = str(retry_after_seconds(reset_at - time.time()))
    return response
