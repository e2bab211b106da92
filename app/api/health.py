"""GET /health and /api/v1/health: what answers, and whether retrieval works."""

from __future__ import annotations

from typing import Any, Literal

from opentelemetry.instrumentation.utils import suppress_instrumentation

from app import __version__
from app.api.openapi_doc import api_blueprint
from app.api.schemas import HealthResponse
from app.components import Components, components
from app.state.redis_link import RedisLink

bp = api_blueprint("health", __name__, "health")


@bp.get("/health", summary="Service health", responses={200: HealthResponse})
def health() -> dict[str, Any]:
    return _untraced_report()


@bp.get("/api/v1/health", summary="Service health", responses={200: HealthResponse})
def health_v1() -> dict[str, Any]:
    return _untraced_report()


def _untraced_report() -> dict[str, Any]:
    # Health is probed every few seconds and not traced: its Redis and memvid calls must not
    # start traces of their own (a no-op when tracing is off).
    with suppress_instrumentation():
        return report(components()).model_dump()


def report(parts: Components) -> HealthResponse:
    """Build the health report: healthy only when retrieval answers and holds frames, and Redis
    answers when it is configured."""
    backend = parts.retriever.health()
    llm = parts.answerer.name
    redis = _redis_state(parts.redis)
    # There is always an answerer (the offline one at worst), so chat always answers:
    # without retrieval it answers without resume context, and without Redis as new
    # conversations with per-worker rate limits; both are "degraded".
    healthy = backend.connected and backend.frame_count and redis != "unavailable"
    status: Literal["healthy", "degraded"] = "healthy" if healthy else "degraded"
    return HealthResponse(
        status=status,
        memvid_connected=backend.connected,
        memvid_frame_count=backend.frame_count,
        active_sessions=parts.sessions.count(),
        version=__version__,
        memvid_backend=parts.retriever.backend_name,
        llm=llm,
        retrieval_modes=list(parts.retriever.modes) if backend.connected else [],
        redis=redis,
    )


def _redis_state(link: RedisLink | None) -> Literal["connected", "unavailable", "not_configured"]:
    if link is None:
        return "not_configured"
    return "connected" if link.ping() else "unavailable"
