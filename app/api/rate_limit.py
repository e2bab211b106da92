"""Per-client-IP rate limit on the endpoints that spend LLM tokens (SPEC §5), with Flask-Limiter.

The counters live in `window-memory://` (app/state/limit_storage.py), the same moving windows as
`limits`' own `memory://` without its expiry thread, which cost a busy worker 14 % of its CPU
with 500 clients (bench/). A Redis URI replaces it when limits are shared across workers.
"""

from __future__ import annotations

import math
import time

from flask import Blueprint, Flask, Response, request
from flask_limiter import Limiter

from app.config import Settings
from app.state.limit_storage import WindowMemoryStorage


def client_address() -> str:
    """Return the client IP; behind proxies ProxyFix has already resolved the trusted hops."""
    return request.remote_addr or "unknown"


def init_app(app: Flask, settings: Settings, *, limited: list[Blueprint]) -> Limiter:
    """Bind a limiter to `app` and limit each blueprint in `limited`, per client IP."""
    # One limiter per app (not a module global): each app in the tests gets its own counters.
    # Its own header injection stays off: it stamps Retry-After on every response of a
    # limited route, which would overwrite an upstream's Retry-After on a 503.
    limiter = Limiter(client_address, app=app, storage_uri=WindowMemoryStorage.URI, strategy="moving-window")
    rate = f"{settings.rate_limit_per_minute}/minute"
    for blueprint in limited:
        limiter.limit(rate)(blueprint)

    def add_headers(response: Response) -> Response:
        current = limiter.current_limit
        if current is not None:
            response.headers["X-RateLimit-Limit"] = str(current.limit.amount)
            response.headers["X-RateLimit-Remaining"] = str(max(0, current.remaining))
            response.headers["X-RateLimit-Reset"] = str(int(current.reset_at))
            if response.status_code == 429:
                response.headers["Retry-After"] = str(max(1, math.ceil(current.reset_at - time.time())))
        return response

    app.after_request(add_headers)
    return limiter
