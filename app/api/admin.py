"""/admin/: the running worker's sessions and caches, for the cache CLI (app/state/cli.py).

Registered only when ADMIN_TOKEN is set; every request must carry `Authorization: Bearer
<ADMIN_TOKEN>`, compared in constant time. Not rate limited (the limit covers the endpoints
that spend LLM tokens), and not served by the public nginx (deploy/nginx.conf answers 404).
With in-memory state each gunicorn worker holds its own sessions: every answer names the
worker (pid) it describes.
"""

from __future__ import annotations

import hmac
import os
from typing import Any

from flask import Blueprint, Flask, Response, request

from app.api.error_handlers import error_response
from app.components import components
from app.config import Settings
from app.errors import ServiceError
from app.state.inspection import Inspector, UnknownCache
from app.state.redis_link import RedisDataError, RedisUnavailable

bp = Blueprint("admin", __name__, url_prefix="/admin")

MAX_LISTED = 1000


def init_app(app: Flask, settings: Settings) -> None:
    """Serve /admin/ when ADMIN_TOKEN is set."""
    if settings.admin_token is not None:
        app.register_blueprint(bp)


@bp.before_request
def _authorize() -> None:
    token = components().settings.admin_token
    expected = f"Bearer {token.get_secret_value() if token else ''}".encode()
    sent = request.headers.get("Authorization", "").encode()
    if token is None or not hmac.compare_digest(sent, expected):
        raise ServiceError("The admin token is missing or wrong.", code="admin_unauthorized", status=401)


@bp.after_request
def _name_the_worker(response: Response) -> Response:
    # On errors too (a 404 for a session another worker holds): the CLI says which worker answered.
    response.headers["X-Worker-Pid"] = str(os.getpid())
    # Where the state lives: in Redis the answer is every worker's, else this worker's alone.
    response.headers["X-State-Store"] = "redis" if components().redis is not None else "memory"
    return response


@bp.errorhandler(RedisDataError)
def _redis_data_error(error: RedisDataError) -> Response:
    detail = f"Redis holds data this version cannot read: {error.redis_said}"
    return error_response(ServiceError(detail, code="redis_data_error", status=500))


@bp.errorhandler(RedisUnavailable)
def _redis_unavailable(error: RedisUnavailable) -> Response:
    return error_response(ServiceError("Redis does not answer.", code="redis_unavailable", status=503))


@bp.get("/caches")
def stats() -> dict[str, Any]:
    return {**_worker(), "caches": _inspector().stats()}


@bp.delete("/caches")
@bp.delete("/caches/<name>")
def clear(name: str | None = None) -> dict[str, Any]:
    try:
        return {**_worker(), "cleared": _inspector().clear(name)}
    except UnknownCache:
        raise ServiceError(f"There is no cache named {name!r}.", code="cache_not_found", status=404) from None


@bp.get("/sessions")
def sessions() -> dict[str, Any]:
    limit = request.args.get("limit", default=20, type=int) or 20
    return {**_worker(), "sessions": _inspector().sessions(max(1, min(limit, MAX_LISTED)))}


@bp.get("/sessions/<session_id>")
def session(session_id: str) -> dict[str, Any]:
    found = _inspector().session(session_id)
    if found is None:
        raise _no_session(session_id)
    return {**_worker(), "session": found}


@bp.delete("/sessions/<session_id>")
def expire(session_id: str) -> dict[str, Any]:
    if not _inspector().expire(session_id):
        raise _no_session(session_id)
    return {**_worker(), "expired": session_id}


def _inspector() -> Inspector:
    parts = components()
    caches = parts.retriever.caches()
    return Inspector(parts.sessions, caches, session_ttl=parts.settings.session_ttl)


def _worker() -> dict[str, Any]:
    shared = components().redis is not None
    return {"worker": {"pid": os.getpid(), "scope": "shared (Redis)" if shared else "this worker's memory"}}


def _no_session(session_id: str) -> ServiceError:
    return ServiceError(f"There is no session {session_id}.", code="session_not_found", status=404)
