"""Tracing: one trace per question, from the caller's traceparent through memvid and the LLM.

The app runs with its real clients (gRPC memvid, OpenRouter) against the fake memvid
server and the fake LLM server, spans are captured in memory, and what the clients sent is
checked on the wire.
"""

from __future__ import annotations

import json
import threading

import pytest
import redis
from flask import Flask
from opentelemetry import trace
from opentelemetry.instrumentation.grpc import GrpcInstrumentorClient
from opentelemetry.instrumentation.redis import RedisInstrumentor
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.test.globals_test import reset_trace_globals
from opentelemetry.trace import StatusCode, format_span_id, format_trace_id
from redis.backoff import NoBackoff
from redis.retry import Retry

from app.config import ConfigError, load_settings
from app.factory import create_app
from app.llm.types import Finished, Token, Usage
from app.state.redis_link import RedisLink, RedisUnavailable
from app.telemetry import tracing
from app.telemetry.llm_span import LLMSpan
from tests.fake_llm import http_error
from tests.fake_memvid import hit, memvid_server  # noqa: F401 (fixture)
from tests.fakes import FakeMemvid, ScriptedAnswerer
from tests.servers import free_port

CHAT = "/api/v1/chat"
MODEL = "test/model-1"
CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
TRACEPARENT = f"00-{CALLER_TRACE}-{CALLER_SPAN}-01"
SEARCH = "/memvid.v1.MemvidService/Search"


@pytest.fixture
def spans():
    """Install a tracer provider that keeps finished spans in memory; remove it afterwards."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    tracing.init_app(Flask(__name__), load_settings({}))  # finds the provider: this process traces
    yield exporter
    tracing.shutdown()
    provider.shutdown()
    reset_trace_globals()
    uninstrument_all()


def uninstrument_all() -> None:
    """Undo the process-wide instrumentations: they hold the tracer of the provider they met."""
    for instrumentor in (GrpcInstrumentorClient(), RedisInstrumentor()):
        if instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.uninstrument()


@pytest.fixture
def traced_client(spans, memvid_server, llm_server):  # noqa: F811
    memvid_server.fake.hits = [hit("Skills", 2.5, "Kubernetes, Terraform"), hit("Experience", 1.5, "Ran Kubernetes")]
    config = {
        "memvid_grpc_url": memvid_server.target,
        "openrouter_base_url": llm_server.base_url,
        "openrouter_api_key": "sk-test",
        "llm_model": MODEL,
        "llm_max_retries": 0,
        "rate_limit_per_minute": 1000,
    }
    return create_app(config).test_client()


def by_name(exporter: InMemorySpanExporter) -> dict[str, list[ReadableSpan]]:
    found: dict[str, list[ReadableSpan]] = {}
    for span in exporter.get_finished_spans():
        found.setdefault(span.name, []).append(span)
    return found


def parent_of(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent else None


def test_one_streamed_question_is_one_trace_across_retrieval_and_llm(traced_client, spans, memvid_server, llm_server):  # noqa: F811
    response = traced_client.post(
        CHAT, json={"message": "Kubernetes experience?"}, headers={"traceparent": TRACEPARENT}
    )
    assert b'"type":"done"' in response.get_data()

    named = by_name(spans)
    (http,) = named["POST /api/v1/chat"]
    (turn,) = named["chat.turn"]
    (retrieval,) = named["retrieval"]
    (llm,) = named[f"chat {MODEL}"]
    searches = named[SEARCH]
    assert {format_trace_id(span.context.trace_id) for span in spans.get_finished_spans()} == {CALLER_TRACE}
    assert response.headers["X-Trace-ID"] == CALLER_TRACE
    # The links: caller -> HTTP request -> turn -> retrieval -> each memvid search; turn -> LLM.
    assert parent_of(http) == int(CALLER_SPAN, 16)
    assert parent_of(turn) == http.context.span_id
    assert parent_of(retrieval) == turn.context.span_id
    assert {parent_of(search) for search in searches} == {retrieval.context.span_id}
    assert parent_of(llm) == turn.context.span_id
    # The turn's span ends with the stream, after the view had returned.
    assert turn.end_time > http.end_time
    assert turn.end_time >= llm.end_time

    assert turn.attributes["chat.outcome"] == "completed"
    assert turn.attributes["chat.chunks"] == 2
    assert turn.attributes["session.id"]
    assert retrieval.attributes["retrieval.cache_hit"] is False
    assert retrieval.attributes["retrieval.engine_queries"] == len(searches) > 0
    assert llm.kind is trace.SpanKind.CLIENT
    assert llm.attributes["gen_ai.request.model"] == MODEL
    assert llm.attributes["gen_ai.usage.input_tokens"] == 42
    assert llm.attributes["gen_ai.usage.output_tokens"] == 5
    assert llm.attributes["gen_ai.response.finish_reasons"] == ("stop",)
    assert llm.attributes["gen_ai.response.time_to_first_chunk"] > 0
    assert [event.name for event in llm.events] == ["gen_ai.first_token"]

    # On the wire: each remote call names its own span as the parent.
    (sent,) = llm_server.requests
    assert sent.headers["traceparent"] == f"00-{CALLER_TRACE}-{format_span_id(llm.context.span_id)}-01"
    search_spans = {format_span_id(span.context.span_id) for span in searches}
    wire = [
        meta["traceparent"]
        for (method, _), meta in zip(memvid_server.fake.requests, memvid_server.fake.metadata, strict=True)
        if method == "Search"
    ]
    assert {parent.split("-")[2] for parent in wire} == search_spans
    assert {parent.split("-")[1] for parent in wire} == {CALLER_TRACE}


def test_a_cached_question_asks_memvid_nothing(traced_client, spans):
    for _ in range(2):
        traced_client.post(CHAT, json={"message": "Kubernetes experience?"}).get_data()
    first, second = by_name(spans)["retrieval"]
    assert (first.attributes["retrieval.cache_hit"], second.attributes["retrieval.cache_hit"]) == (False, True)
    assert "retrieval.engine_queries" not in second.attributes


def test_a_whole_answer_ends_its_turn_with_the_llm_inside(traced_client, spans):
    response = traced_client.post(CHAT, json={"message": "Kubernetes?", "stream": False})
    assert response.status_code == 200
    named = by_name(spans)
    (turn,) = named["chat.turn"]
    (llm,) = named[f"chat {MODEL}"]
    assert parent_of(llm) == turn.context.span_id
    assert turn.attributes["chat.outcome"] == "completed"
    assert response.headers["X-Trace-ID"] == format_trace_id(turn.context.trace_id)


def test_a_failed_llm_call_marks_the_turn_and_the_llm_span(traced_client, spans, llm_server, capsys):
    llm_server.enqueue(http_error(400))
    response = traced_client.post(CHAT, json={"message": "Kubernetes?"})
    response.get_data()
    # Logged in the greenlet that reads the LLM: it carries the request's trace id too.
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    (logged,) = [line for line in lines if line["event"] == "llm.upstream_status"]
    assert logged["trace_id"] == response.headers["X-Trace-ID"]
    named = by_name(spans)
    (turn,) = named["chat.turn"]
    (llm,) = named[f"chat {MODEL}"]
    code = turn.attributes["chat.outcome"]
    assert code.startswith("llm_")
    assert turn.status.status_code is StatusCode.ERROR
    assert llm.attributes["error.type"] == code
    assert llm.status.status_code is StatusCode.ERROR


def test_x_trace_id_is_the_trace_id_and_the_clients_is_kept_on_the_span(traced_client, spans):
    response = traced_client.get("/api/v1/profile", headers={"X-Trace-ID": "client-id-1"})
    (http,) = [span for span in spans.get_finished_spans() if span.kind is trace.SpanKind.SERVER]
    assert response.headers["X-Trace-ID"] == format_trace_id(http.context.trace_id)
    assert http.attributes["http.request.header.x-trace-id"] == ("client-id-1",)


def test_health_probes_are_not_traced(traced_client, spans):
    assert traced_client.get("/health").json["memvid_connected"] is True
    assert [span.name for span in spans.get_finished_spans()] == []  # nor its memvid probe


def test_redis_commands_are_spans_of_the_turn_and_health_makes_none(spans, memvid_server, llm_server, redis_server):  # noqa: F811
    memvid_server.fake.hits = [hit("Skills", 2.5, "Kubernetes, Terraform")]
    config = {
        "memvid_grpc_url": memvid_server.target,
        "openrouter_base_url": llm_server.base_url,
        "openrouter_api_key": "sk-test",
        "rate_limit_per_minute": 1000,
        "redis_url": redis_server.url,
    }
    client = create_app(config).test_client()
    spans.clear()  # the rate limiter pings its storage once at start-up, outside any request
    assert client.get("/health").json["redis"] == "connected"
    assert [(x.name, dict(x.attributes)) for x in spans.get_finished_spans()] == []  # no trace from health

    client.post("/api/v1/chat", json={"message": "Kubernetes?", "stream": False})

    finished = spans.get_finished_spans()
    redis_spans = [span for span in finished if span.attributes.get("db.system") == "redis"]
    assert redis_spans, [span.name for span in finished]
    turn = next(span for span in finished if span.name == "chat.turn")
    assert {span.context.trace_id for span in redis_spans} == {turn.context.trace_id}


def test_the_background_redis_probe_starts_no_trace(spans):
    # While Redis was away its probe wrote a key every second, each write a new trace: noise in
    # the tracing backend, and in the CI run spans inside other tests' turns.
    sleeps = threading.Semaphore(0)
    client = redis.Redis(port=free_port(), retry=Retry(NoBackoff(), 0))  # refused at once
    link = RedisLink(client, url="redis://127.0.0.1", sleep=lambda _: sleeps.release())
    with pytest.raises(RedisUnavailable):
        link.run(lambda client: client.get("anything"))  # a request's call: traced as the request's
    for _ in range(3):  # the probe slept before each write: two writes have failed after the third
        assert sleeps.acquire(timeout=10)
    link._up = True  # ends the probe's loop

    assert [span.name for span in spans.get_finished_spans()] == ["GET"]


def test_without_tracing_nothing_is_propagated(memvid_server, llm_server):  # noqa: F811
    config = {
        "memvid_grpc_url": memvid_server.target,
        "openrouter_base_url": llm_server.base_url,
        "openrouter_api_key": "sk-test",
    }
    client = create_app(config).test_client()
    response = client.post(
        CHAT, json={"message": "Kubernetes?"}, headers={"traceparent": TRACEPARENT, "X-Trace-ID": "mine"}
    )
    response.get_data()
    assert response.headers["X-Trace-ID"] == "mine"
    assert "traceparent" not in llm_server.requests[0].headers
    assert all("traceparent" not in meta for meta in memvid_server.fake.metadata)


OTEL_VARIABLES = (
    "OTEL_SDK_DISABLED",
    "OTEL_TRACES_EXPORTER",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_PROTOCOL",
    "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
)


def exporter_threads() -> list[str]:
    return [thread.name for thread in threading.enumerate() if thread.name.startswith("OtelBatch")]


def test_without_the_variables_nothing_is_set_up(monkeypatch):
    for name in OTEL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    app = create_app({})
    assert not isinstance(trace.get_tracer_provider(), TracerProvider)
    assert not getattr(app, "_is_instrumented_by_opentelemetry", False)
    assert exporter_threads() == []


def test_an_endpoint_starts_the_exporter(monkeypatch):
    for name in OTEL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")
    try:
        app = create_app({})
        assert isinstance(trace.get_tracer_provider(), TracerProvider)
        assert app._is_instrumented_by_opentelemetry
        assert exporter_threads() == ["OtelBatchSpanRecordProcessor"]
    finally:
        tracing.shutdown()
        reset_trace_globals()
        uninstrument_all()
    assert exporter_threads() == []


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, None),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, "otlp"),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, "otlp"),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "  "}, None),
        ({"OTEL_TRACES_EXPORTER": "otlp"}, "otlp"),
        ({"OTEL_TRACES_EXPORTER": "console"}, "console"),
        ({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, None),
        ({"OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, None),
        ({"OTEL_SDK_DISABLED": "false", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, "otlp"),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"}, "otlp"),
    ],
)
def test_exporter_chosen_from_the_variables(environ, expected):
    assert tracing.exporter_name(environ) == expected


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"OTEL_TRACES_EXPORTER": "zipkin"}, "OTEL_TRACES_EXPORTER"),
        ({"OTEL_TRACES_EXPORTER": "otlp,console"}, "OTEL_TRACES_EXPORTER"),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, "PROTOCOL"),
        ({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json"}, "PROTOCOL"),
    ],
)
def test_an_exporter_we_do_not_ship_stops_start_up(environ, named):
    with pytest.raises(ConfigError, match=named):
        tracing.exporter_name(environ)


def test_embedded_engine_calls_are_children_of_retrieval_and_probes_start_no_trace(spans, tmp_path):
    from app.config import EXAMPLE_RESUME
    from app.resume.ingest import ingest_resume

    ingest_resume(EXAMPLE_RESUME, tmp_path / "example.mv2")
    client = create_app({"memvid_file": str(tmp_path / "example.mv2"), "openrouter_api_key": ""}).test_client()
    client.get("/health")
    assert spans.get_finished_spans() == ()
    client.post(CHAT, json={"message": "Kubernetes experience?"}).get_data()
    named = by_name(spans)
    (retrieval,) = named["retrieval"]
    engine_calls = [span for span in named["memvid.engine"] if parent_of(span) == retrieval.context.span_id]
    assert len(engine_calls) == retrieval.attributes["retrieval.engine_queries"]


def test_a_client_that_hangs_up_ends_the_turn(spans):
    client = create_app({}, memvid=FakeMemvid(), llm=ScriptedAnswerer()).test_client()
    response = client.post(CHAT, json={"message": "Kubernetes?"}, buffered=False)
    next(response.response)  # the opening comment and the retrieval event
    response.close()  # the client goes away before the answer
    (turn,) = by_name(spans)["chat.turn"]
    assert turn.attributes["chat.outcome"] == "client_disconnected"
    assert turn.status.status_code is StatusCode.UNSET


@pytest.mark.parametrize(
    ("ending", "error_type", "status"),
    [
        ([Token("Hi"), Finished("stop", Usage(3, 1, 4))], None, StatusCode.UNSET),
        ([Token("Hi")], "cancelled", StatusCode.UNSET),  # closed early: the client left
        ([Token("Hi"), "llm_timeout"], "llm_timeout", StatusCode.ERROR),
    ],
)
def test_the_llm_span_says_how_the_completion_ended(spans, ending, error_type, status):
    span = LLMSpan(provider="openrouter", model=MODEL, url="https://llm.example:8443/v1", max_tokens=9, temperature=0)
    for step in ending:
        if isinstance(step, str):
            span.failed(step)
        else:
            span.saw(step)
    span.end()
    (ended,) = spans.get_finished_spans()
    assert ended.attributes.get("error.type") == error_type
    assert ended.status.status_code is status
    assert (ended.attributes["server.address"], ended.attributes["server.port"]) == ("llm.example", 8443)


def test_the_llm_span_sends_no_traceparent_when_tracing_is_off():
    span = LLMSpan(provider="openrouter", model=MODEL, url="https://llm.example/v1", max_tokens=9, temperature=0)
    assert (span.recording, span.headers()) == (False, {})


def test_a_failed_whole_answer_ends_its_turn_with_the_code(traced_client, spans, llm_server):
    llm_server.enqueue(http_error(400))
    response = traced_client.post(CHAT, json={"message": "Kubernetes?", "stream": False})
    (turn,) = by_name(spans)["chat.turn"]
    assert turn.attributes["chat.outcome"] == response.json["code"]
    assert turn.status.status_code is StatusCode.ERROR


class BrokenSessions:
    def open_conversation(self, session_id):
        raise RuntimeError("the session store is down")


def test_a_turn_that_fails_before_answering_is_ended_as_failed(spans):
    client = create_app({}, memvid=FakeMemvid(), llm=ScriptedAnswerer(), sessions=BrokenSessions()).test_client()
    assert client.post(CHAT, json={"message": "Kubernetes?"}).status_code == 500
    (turn,) = by_name(spans)["chat.turn"]
    assert turn.attributes["chat.outcome"] == "RuntimeError"
    assert turn.status.status_code is StatusCode.ERROR
