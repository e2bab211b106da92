"""OpenTelemetry tracing, set up only when OpenTelemetry's standard OTEL_* variables ask for it.

With none of them set nothing is installed: no tracer provider, no exporter thread, no
instrumentation; every span the app opens then goes to OpenTelemetry's no-op tracer. With
`OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_TRACES_EXPORTER=otlp|console`) the process exports
its spans in the background over OTLP/HTTP (protobuf). Under gunicorn that happens in each
worker: `create_app` runs there, after the fork (no preload), and gunicorn.conf.py's
`worker_exit` flushes what is still queued.

The OTEL_* variables are OpenTelemetry's own: the SDK reads most of them itself (endpoint,
headers, sampler, resource attributes, batch sizes), so they are read here too rather than
mirrored in `app.config`.
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import TYPE_CHECKING

import structlog
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.environment_variables import OTEL_TRACES_EXPORTER
from opentelemetry.sdk.environment_variables import (
    OTEL_EXPORTER_OTLP_ENDPOINT,
    OTEL_EXPORTER_OTLP_PROTOCOL,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL,
    OTEL_SDK_DISABLED,
)
from opentelemetry.sdk.resources import OTELResourceDetector, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.semconv.attributes.service_attributes import SERVICE_NAME, SERVICE_VERSION
from opentelemetry.trace import INVALID_SPAN, Span, format_trace_id

from app import __version__
from app.config import ConfigError, Settings

if TYPE_CHECKING:
    from flask import Flask

log = structlog.get_logger(__name__)

DEFAULT_SERVICE_NAME = "ai-resume-api"
# Health probes and metric scrapes every few seconds would bury the traces that matter.
EXCLUDED_URLS = r"/health$,/metrics$"
_FLASK_EXCLUDED_URLS = "OTEL_PYTHON_FLASK_EXCLUDED_URLS"
MEMVID_HEALTH_SERVICE = "memvid.v1.Health"

_NO_SPAN = nullcontext(INVALID_SPAN)

# Module globals because OpenTelemetry's tracer provider is one per process (a gunicorn
# worker), not per app: whether `init_app` found or installed one (read on every request,
# so a plain flag rather than asking OpenTelemetry), and the provider it installed.
_enabled = False
_installed: TracerProvider | None = None
_tracer: tuple[trace.TracerProvider, trace.Tracer] | None = None


def exporter_name(environ: Mapping[str, str]) -> str | None:
    """Return "otlp" or "console" when the OTEL_* variables ask for traces, else None.

    Raises ConfigError (one line naming the variable) for an exporter or protocol this
    service does not ship: a silently dropped trace is worse than a refused start.
    """
    if environ.get(OTEL_SDK_DISABLED, "").strip().lower() == "true":
        return None
    names = [name.strip().lower() for name in environ.get(OTEL_TRACES_EXPORTER, "").split(",") if name.strip()]
    if not names:
        endpoint = environ.get(OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) or environ.get(OTEL_EXPORTER_OTLP_ENDPOINT)
        names = ["otlp"] if endpoint and endpoint.strip() else ["none"]
    if names == ["none"]:
        return None
    if len(names) > 1 or names[0] not in ("otlp", "console"):
        raise ConfigError(f"Configuration error: {OTEL_TRACES_EXPORTER}: expected otlp, console or none (got {names})")
    protocol = environ.get(OTEL_EXPORTER_OTLP_TRACES_PROTOCOL) or environ.get(OTEL_EXPORTER_OTLP_PROTOCOL)
    if names == ["otlp"] and protocol and protocol.strip() != "http/protobuf":
        raise ConfigError(f"Configuration error: {OTEL_EXPORTER_OTLP_PROTOCOL}: only http/protobuf is supported")
    return names[0]


def init_app(app: Flask, settings: Settings) -> None:
    """Trace `app`'s requests and memvid calls when OTEL_* asks for it or a provider is installed.

    Call it before any other `before_request` hook: the request's span must exist when the
    trace id is read.
    """
    global _enabled
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        name = exporter_name(os.environ)
        if name is None:
            return
        _install(name, settings)
    _enabled = True
    # Imported here: a process without tracing never loads the instrumentations.
    from opentelemetry.instrumentation.flask import FlaskInstrumentor
    from opentelemetry.instrumentation.grpc import GrpcInstrumentorClient, filters
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    excluded = os.environ.get(_FLASK_EXCLUDED_URLS, EXCLUDED_URLS)
    # No SQL here: the SQL commenter's per-request context would be work for nothing.
    FlaskInstrumentor.instrument_app(app, excluded_urls=excluded, enable_commenter=False)
    # /health is not traced, so its memvid probe would start a trace of its own every few seconds.
    grpc_client = GrpcInstrumentorClient(filter_=filters.negate(filters.service_name(MEMVID_HEALTH_SERVICE)))
    if not grpc_client.is_instrumented_by_opentelemetry:
        grpc_client.instrument()  # wraps channel creation; our channel is made lazily, later
    redis_client = RedisInstrumentor()
    if not redis_client.is_instrumented_by_opentelemetry:
        redis_client.instrument()  # every command, as a child of the request's span


def _install(name: str, settings: Settings) -> None:
    global _installed
    provider = TracerProvider(resource=_resource(settings))
    provider.add_span_processor(BatchSpanProcessor(_exporter(name)))
    trace.set_tracer_provider(provider)
    _installed = provider
    log.info("tracing.enabled", exporter=name)


def _exporter(name: str) -> SpanExporter:
    if name == "console":
        return ConsoleSpanExporter()
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()  # endpoint, headers, timeout, compression: from OTEL_EXPORTER_OTLP_*


def _resource(settings: Settings) -> Resource:
    ours = {
        SERVICE_NAME: DEFAULT_SERVICE_NAME,
        SERVICE_VERSION: __version__,
        "deployment.environment.name": settings.app_env,
    }
    # OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over our defaults.
    return Resource.create(ours).merge(OTELResourceDetector().detect())


def shutdown() -> None:
    """Export the spans still queued and stop the exporter (gunicorn's `worker_exit`); tracing is off after."""
    global _installed, _enabled
    _enabled = False
    if _installed is not None:
        _installed.shutdown()  # flushes the batch first
        _installed = None


def current_trace_id() -> str | None:
    """Return the active OpenTelemetry trace id as 32 hex digits; None when no trace is active."""
    span_context = trace.get_current_span().get_span_context()
    return format_trace_id(span_context.trace_id) if span_context.is_valid else None


def enabled() -> bool:
    """Tell whether this process traces; when it does not, every helper here costs next to nothing."""
    return _enabled


def tracer() -> trace.Tracer:
    """Return the app's tracer from the installed provider (tests install a new one per test)."""
    global _tracer
    provider = trace.get_tracer_provider()
    if _tracer is None or _tracer[0] is not provider:
        _tracer = (provider, provider.get_tracer("app"))  # making one costs more than a span
    return _tracer[1]


def span(name: str, attributes: Mapping[str, str | int | bool] | None = None) -> AbstractContextManager[Span]:
    """Trace the block as `name`, current for the block; a no-op span when tracing is off."""
    return tracer().start_as_current_span(name, attributes=attributes) if enabled() else _NO_SPAN


@contextmanager
def child_span(name: str, attributes: Mapping[str, str | int]) -> Iterator[None]:
    """Trace the block as `name` when a trace is active; nothing otherwise (a probe starts no trace)."""
    if not (enabled() and trace.get_current_span().get_span_context().is_valid):
        yield
        return
    with tracer().start_as_current_span(name, attributes=attributes):
        yield


def context_for_greenlet(span: Span) -> contextvars.Context:
    """Return a copy of the current context, with `span` current, for a greenlet to run in.

    contextvars are per greenlet and a spawned greenlet starts with an empty context: without
    this, its spans would start new traces and its log lines would lose the trace id.
    """
    carried = contextvars.copy_context()
    if span.get_span_context().is_valid:
        # Attached in the copy only, never detached: the copy ends with the greenlet.
        carried.run(otel_context.attach, trace.set_span_in_context(span))
    return carried
