"""The application factory: it wires, it never works (no network calls here)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog
from flask import redirect
from flask_openapi3 import Info, OpenAPI
from werkzeug.middleware.proxy_fix import ProxyFix

from app import __version__
from app.api import (
    admin,
    caching,
    chat,
    cors,
    error_handlers,
    feedback,
    fit,
    health,
    model_budget,
    profile,
    rate_limit,
    trace_id,
    version,
)
from app.api.openapi_doc import DocumentedApp
from app.api.request_checks import StrictJSONProvider, refuse_doubled_slashes
from app.api.schemas import ErrorBody
from app.backends import build_answerer, build_memvid_backend
from app.chat.hooks import TurnHooks
from app.chat.turn import ChatService
from app.components import Components, components, install
from app.config import Settings, load_settings
from app.fit.service import FitService
from app.guardrails.input_guard import PromptInjectionGuard
from app.guardrails.output_filter import LeakFilterFactory
from app.guardrails.redirect import redirect_message
from app.llm.types import Answerer, answers_offline
from app.mcp import incoming as mcp_incoming
from app.mcp import transport as mcp_transport
from app.retrieval.retriever import ResumeRetriever
from app.retrieval.types import MemvidBackend
from app.state.sessions import SessionStore
from app.state.shared import build_shared_state
from app.telemetry import metrics, tracing
from app.telemetry.logs import configure_logging
from app.worker.shutdown import stream_deadline_passed

log = structlog.get_logger(__name__)


def create_app(
    config: Mapping[str, Any] | None = None,
    *,
    memvid: MemvidBackend | None = None,
    llm: Answerer | None = None,
    sessions: SessionStore | None = None,
) -> OpenAPI:
    """Build the Flask app; `config` overrides the environment, the clients replace the real ones."""
    settings = load_settings(config)
    configure_logging(settings.log_level, settings.log_format)
    app = _new_app(settings)
    install(app, _build_components(settings, memvid, llm, sessions))
    tracing.init_app(app, settings)  # before trace_id: the request span must exist when its id is read
    trace_id.init_app(app)  # before the other hooks and handlers: they all see the trace id
    error_handlers.init_app(app)
    metrics.init_app(app)  # before the rate limit: a request it refuses is timed too
    # After the metrics' hooks (a made-up method stays unlabelled), before routing's redirect and any work.
    app.before_request(refuse_doubled_slashes)
    limiter = rate_limit.init_app(
        app,
        settings,
        limited=[chat.bp, fit.bp, feedback.bp, mcp_transport.bp],
        counted={mcp_transport.bp.name: mcp_incoming.is_tool_call},
    )
    model_budget.init_app(app, limiter, settings.rate_limit_per_minute * settings.model_tokens_per_request)
    cors.init_app(app, settings.cors_origins)
    caching.init_app(app)
    for blueprint in (chat.bp, fit.bp, feedback.bp, health.bp, profile.bp, version.bp, mcp_transport.bp):
        app.register_api(blueprint)
    admin.init_app(app, settings)
    if settings.docs_enabled:
        _register_docs(app)
    _register_cli(app)
    _log_start(settings, app)
    return app


def _new_app(settings: Settings) -> OpenAPI:
    """Return the bare app: its OpenAPI document, JSON provider and request limits."""
    app = DocumentedApp(
        __name__,
        info=Info(title="AI Resume API", version=__version__),
        doc_prefix="/docs",
        doc_ui=settings.docs_enabled,
        # An empty map, not null: null makes the document invalid OpenAPI (code generators refuse it).
        security_schemes={},
        validation_error_status=422,
        validation_error_model=ErrorBody,
        validation_error_callback=error_handlers.validation_error_response,
    )
    app.json = StrictJSONProvider(app)  # request bodies with NaN or Infinity are not JSON: 400
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    app.config["BODY_READ_TIMEOUT"] = settings.body_read_timeout
    if settings.trusted_proxy_count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxy_count)  # type: ignore[method-assign]

    return app


def _build_components(
    settings: Settings, memvid: MemvidBackend | None, llm: Answerer | None, sessions: SessionStore | None
) -> Components:
    shared = build_shared_state(settings)
    retriever = ResumeRetriever(
        memvid or build_memvid_backend(settings),
        top_k=settings.retrieval_top_k,
        profile_ttl=settings.profile_cache_seconds,
        passages_ttl=settings.retrieval_cache_seconds,
        health_ttl=settings.health_cache_seconds,
        shared=shared.caches,
    )
    answerer = llm or build_answerer(settings)
    hooks = TurnHooks(
        input_guard=PromptInjectionGuard(surface="chat"), output_filter=LeakFilterFactory(), redirect=redirect_message
    )
    chat = ChatService(
        retriever,
        sessions or shared.sessions,
        answerer,
        hooks=hooks,
        keepalive_seconds=settings.sse_keepalive_seconds,
        should_stop=stream_deadline_passed,
    )
    fit = FitService(
        retriever, answerer, PromptInjectionGuard(surface="fit"), answer_timeout=settings.llm_answer_timeout
    )
    return Components(settings, chat, fit, shared.redis)


def _register_docs(app: OpenAPI) -> None:
    # flask-openapi3 serves the document under /docs; the contract also names these two.
    app.add_url_rule("/openapi.json", "openapi_json", lambda: app.api_doc)
    app.add_url_rule("/docs", "docs", lambda: redirect("/docs/swagger"), strict_slashes=True)
    app.view_functions["openapi.openapi"] = lambda: redirect("/docs/swagger")


def _register_cli(app: OpenAPI) -> None:
    from app.resume.cli import memvid_cli
    from app.state.cli import cache_cli

    app.cli.add_command(memvid_cli)
    app.cli.add_command(cache_cli)


def _log_start(settings: Settings, app: OpenAPI) -> None:
    parts = components(app)
    log.info(
        "service.configured",
        version=__version__,
        app_env=settings.app_env,
        memvid_backend=parts.retriever.backend_name,
        llm=parts.answerer.name,
        sessions=type(parts.sessions).__name__,
        redis=parts.redis.shown_url if parts.redis else None,  # the password never shown
        rate_limit_per_minute=settings.rate_limit_per_minute,
    )
    if answers_offline(parts.answerer):
        log.warning("llm.offline", reason="OPENROUTER_API_KEY is unset: answers are quoted from the resume")
