"""Cross-origin access for the web pages named in CORS_ORIGINS (none: same-origin only)."""

from __future__ import annotations

from collections.abc import Sequence

from flask import Flask, Response
from flask_cors import CORS

from app.api.rate_limit import RATE_LIMIT_HEADERS

# Without it Chromium keeps a preflight 5 s: nearly every question paid one more round trip.
PREFLIGHT_MAX_AGE = 600


def init_app(app: Flask, origins: Sequence[str]) -> None:
    """Let pages from `origins` call the API and read what they need of its answers."""
    if not origins:
        return
    CORS(
        app,
        origins=list(origins),
        methods=["GET", "POST", "OPTIONS"],
        # What a page reads: the trace id to quote, when to retry, how many questions are left.
        expose_headers=["X-Trace-ID", "Retry-After", *RATE_LIMIT_HEADERS],
        max_age=PREFLIGHT_MAX_AGE,
    )
    app.after_request(_vary_on_origin)


def _vary_on_origin(response: Response) -> Response:
    # Whether an answer carries Access-Control-Allow-Origin depends on the request's Origin: a
    # shared cache must not give one page's answer to another (flask-cors says so only when
    # several origins are configured).
    response.vary.add("Origin")
    return response
