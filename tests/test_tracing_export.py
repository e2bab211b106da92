"""Tracing end to end: the real service (gunicorn, gevent workers) exports one trace per
question over OTLP/HTTP to a receiver on a free port, and flushes it on graceful shutdown."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import KeyValue

from tests.fake_memvid import hit, memvid_server  # noqa: F401 (fixture)
from tests.servers import ROOT, gunicorn, service_env

MODEL = "test/model-1"


class OTLPReceiver:
    """Accepts POST /v1/traces (protobuf) like a collector would, and keeps what it was sent."""

    def __init__(self) -> None:
        self.requests: list[ExportTraceServiceRequest] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path != "/v1/traces" or self.headers.get("Content-Type") != "application/x-protobuf":
                    self.send_error(404)
                    return
                receiver.requests.append(ExportTraceServiceRequest.FromString(body))
                reply = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def spans(self) -> list[tuple[dict[str, Any], Any]]:
        """Every span received, with its resource's attributes."""
        found = []
        for request in self.requests:
            for resource_spans in request.resource_spans:
                resource = attributes(resource_spans.resource.attributes)
                found.extend((resource, span) for scope in resource_spans.scope_spans for span in scope.spans)
        return found

    def __enter__(self) -> OTLPReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def attributes(pairs: list[KeyValue]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for pair in pairs:
        kind = pair.value.WhichOneof("value")
        values[pair.key] = getattr(pair.value, kind) if kind else None
    return values


@pytest.fixture
def receiver() -> Iterator[OTLPReceiver]:
    with OTLPReceiver() as running:
        yield running


def test_one_question_is_exported_as_one_trace_and_flushed_on_shutdown(tmp_path, receiver, memvid_server, llm_server):  # noqa: F811
    memvid_server.fake.hits = [hit("Skills", 2.5, "Kubernetes, Terraform")]
    env = service_env(
        memvid_server.target,
        llm_server.base_url,
        LLM_MODEL=MODEL,
        OTEL_EXPORTER_OTLP_ENDPOINT=receiver.url,
        OTEL_SERVICE_NAME="resume-api-e2e",
        # Nothing leaves before the worker stops: what arrives was flushed by worker_exit.
        OTEL_BSP_SCHEDULE_DELAY="600000",
    )
    with gunicorn(env, tmp_path) as service:
        response = requests.post(f"{service.url}/api/v1/chat", json={"message": "Kubernetes?"}, timeout=10)
        assert b'"type":"done"' in response.content
        trace_id = response.headers["X-Trace-ID"]
        assert receiver.requests == []
        master_pid = service.process.pid
        log = service.log()

    spans = receiver.spans()
    names = {span.name for _, span in spans}
    assert {"POST /api/v1/chat", "chat.turn", "retrieval", "/memvid.v1.MemvidService/Search", f"chat {MODEL}"} <= names
    assert {span.trace_id.hex() for _, span in spans} == {trace_id}
    assert {resource["service.name"] for resource, _ in spans} == {"resume-api-e2e"}
    (llm,) = [span for _, span in spans if span.name == f"chat {MODEL}"]
    assert attributes(llm.attributes)["gen_ai.usage.output_tokens"] == 5
    # Set up in the worker, after the fork; never in the master.
    started = [json.loads(line) for line in log.splitlines() if '"tracing.enabled"' in line]
    assert len(started) == 1
    assert started[0]["pid"] != master_pid


def test_a_bad_tracing_variable_stops_gunicorn_in_the_master_with_one_line(tmp_path):
    env = {**os.environ, "HOME": str(tmp_path), "OTEL_TRACES_EXPORTER": "zipkin"}
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--check-config", "wsgi:app"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)

    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "Configuration error: OTEL_TRACES_EXPORTER: expected otlp, console or none (got ['zipkin'])"
    ]
