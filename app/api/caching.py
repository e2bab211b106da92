"""How long a browser, or a cache between it and the service, may keep an answer.

With no caching header at all, a CDN applies its own default (an hour, a day): a page behind
one would show a stale health status, or the old profile after the resume was replaced. So
every answer is `no-store` unless it says otherwise (the chat stream says `no-cache`); the
profile, the suggested questions and the version are `no-cache` with an ETag: kept, but asked
again each time, and answered `304 Not Modified` while unchanged.
"""

from __future__ import annotations

from flask import Flask, Response, request

REVALIDATED = frozenset({"questions.profile", "questions.suggested_questions", "version.version"})


def _cache_headers(response: Response) -> Response:
    if request.endpoint in REVALIDATED and request.method in ("GET", "HEAD") and response.status_code == 200:
        response.cache_control.no_cache = True
        response.add_etag()
        response.make_conditional(request)  # a 304 in place when the client's copy is current
        return response
    if "Cache-Control" not in response.headers:
        response.cache_control.no_store = True
    return response


def init_app(app: Flask) -> None:
    """Give every answer its caching headers."""
    app.after_request(_cache_headers)
