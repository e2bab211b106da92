"""GET /health and /api/v1/health: what answers, and whether retrieval works."""

from __future__ import annotations

from typing import Any, Literal

from flask_openapi3 import APIBlueprint, Tag

from app import __version__
from app.api.schemas import HealthResponse
from app.components import Services, services

bp = APIBlueprint("health", __name__, abp_tags=[Tag(name="health")])


@bp.get("/health", summary="Service health", responses={200: HealthResponse})
def health() -> dict[str, Any]:
    return report(services()).model_dump()


@bp.get("/api/v1/health", summary="Service health", responses={200: HealthResponse})
def health_v1() -> dict[str, Any]:
    return report(services()).model_dump()


def report(app_services: Services) -> HealthResponse:
    """Build the health report: healthy only when retrieval answers and holds frames."""
    backend = app_services.retriever.health()
    llm = app_services.answerer.name
    status: Literal["healthy", "degraded", "unhealthy"]
    if llm == "none":
        status = "unhealthy"  # chat cannot answer anything
    elif backend.connected and backend.frame_count > 0:
        status = "healthy"
    else:
        status = "degraded"  # chat answers, without resume context
    return HealthResponse(
        status=status,
        memvid_connected=backend.connected,
        memvid_frame_count=backend.frame_count,
        active_sessions=app_services.sessions.count(),
        version=__version__,
        memvid_backend=app_services.retriever.backend_name,
        llm=llm,
    )
