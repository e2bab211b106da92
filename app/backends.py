"""Choose the backends from the settings, and say which were chosen (never a silent guess)."""

from __future__ import annotations

import structlog

from app.config import EXAMPLE_RESUME, Settings
from app.llm.types import Answerer
from app.retrieval.types import MemvidBackend

log = structlog.get_logger(__name__)


def build_memvid_backend(settings: Settings) -> MemvidBackend:
    """Return the gRPC client when MEMVID_GRPC_URL is set, else the in-process engine."""
    if settings.memvid_grpc_url:
        from app.retrieval.grpc_client import GrpcMemvidBackend

        return GrpcMemvidBackend(settings.memvid_grpc_url, timeout=settings.memvid_timeout_seconds)
    return _embedded_backend(settings)


def _embedded_backend(settings: Settings) -> MemvidBackend:
    from app.retrieval.retriever import UnconfiguredBackend

    try:
        from app.retrieval.embedded import EmbeddedMemvidBackend
    except ImportError:
        # A gRPC-only install leaves memvid-sdk out; say so instead of guessing.
        log.warning("memvid.unconfigured", reason="MEMVID_GRPC_URL is unset and memvid-sdk is not installed")
        return UnconfiguredBackend("memvid-sdk not installed")
    if settings.memvid_file is not None:
        if not settings.memvid_file.is_file():  # production refuses to start (app.config)
            log.warning("memvid.file_missing", path=str(settings.memvid_file), effect="health degraded until it exists")
        return EmbeddedMemvidBackend(settings.memvid_file)
    # Built from the bundled example on first use (see EmbeddedMemvidBackend), not here.
    return EmbeddedMemvidBackend(EXAMPLE_RESUME.with_suffix(".mv2"), build_from=EXAMPLE_RESUME)


def build_answerer(settings: Settings) -> Answerer:
    """Return the OpenRouter client when a key is set, else the offline answerer."""
    if settings.api_key:
        from app.llm.openrouter import OpenRouterClient

        return OpenRouterClient(
            base_url=settings.openrouter_base_url,
            api_key=settings.api_key,
            model=settings.llm_model,
            fallback_models=tuple(settings.llm_fallback_models),
            max_tokens=settings.llm_max_tokens,
            temperature=settings.llm_temperature,
            connect_timeout=settings.llm_connect_timeout,
            read_timeout=settings.llm_read_timeout,
            answer_timeout=settings.llm_answer_timeout,
            max_retries=settings.llm_max_retries,
            referer=settings.llm_http_referer,
            title=settings.llm_app_title,
            pool_size=settings.llm_pool_size,
        )
    from app.llm.offline import OfflineAnswerer

    return OfflineAnswerer()
