"""deploy/: the compose file names only settings the service reads, and the container
health check tells a live service from a dead one."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml

from app.config import Settings
from tests.servers import ROOT

COMPOSE = ROOT / "deploy" / "compose.yaml"
HEALTHCHECK = ROOT / "deploy" / "healthcheck.py"
# Read by prometheus_client or memvid-sdk rather than by Settings.
PROCESS_VARIABLES = {"PROMETHEUS_MULTIPROC_DIR", "MEMVID_TELEMETRY"}


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def seconds(value: str) -> int:
    match = re.fullmatch(r"(\d+)s", value)
    assert match, value
    return int(match.group(1))


def test_compose_runs_the_stack():
    services = compose()["services"]

    assert {"memvid", "api", "nginx"} <= services.keys()
    assert services["redis"]["profiles"] == ["redis"]
    assert services["prometheus"]["profiles"] == ["monitoring"]
    assert services["nginx"]["depends_on"]["api"]["condition"] == "service_healthy"
    assert "./nginx.conf:/etc/nginx/nginx.conf:ro" in services["nginx"]["volumes"]


def test_api_environment_names_real_settings():
    api = compose()["services"]["api"]
    known = {name.upper() for name in Settings.model_fields} | PROCESS_VARIABLES

    assert set(api["environment"]) <= known, set(api["environment"]) - known
    assert api["environment"]["TRUSTED_PROXY_COUNT"] == "1"
    assert api["environment"]["MEMVID_GRPC_URL"] == "memvid:50051"


def test_api_gets_time_to_end_its_streams():
    api = compose()["services"]["api"]

    assert seconds(api["stop_grace_period"]) > int(api["environment"]["GRACEFUL_TIMEOUT"]) + 2
    assert api["read_only"] is True
    assert "/tmp" in api["tmpfs"]


@pytest.fixture
def health_server() -> Iterator[tuple[int, list[tuple[int, bytes]]]]:
    """A /health stub that answers what the test puts in its list."""
    answers: list[tuple[int, bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body = answers[-1]
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield server.server_address[1], answers
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("status", "body", "exit_code"),
    [
        (200, {"status": "healthy"}, 0),
        (200, {"status": "degraded"}, 0),
        (200, {"status": "unhealthy"}, 1),
        (500, {"detail": "x", "code": "internal_error"}, 1),
        (200, "not json", 1),
    ],
)
def test_healthcheck(health_server, status, body, exit_code):
    port, answers = health_server
    answers.append((status, json.dumps(body).encode() if isinstance(body, dict) else body.encode()))

    result = subprocess.run(
        [sys.executable, str(HEALTHCHECK)], env={"PORT": str(port)}, capture_output=True, timeout=10
    )

    assert result.returncode == exit_code, result.stderr


def test_nginx_admits_the_bodies_the_app_admits_and_no_larger():
    # nginx refuses a body over its limit itself: a smaller one refused valid requests, a
    # larger one let the app answer before the body was read (app/config.py, deploy/nginx.conf).
    limit = re.search(r"^\s*client_max_body_size\s+(\d+)k;", (ROOT / "deploy" / "nginx.conf").read_text(), re.M)

    assert limit, "deploy/nginx.conf sets no client_max_body_size"
    assert int(limit.group(1)) * 1024 == Settings.model_fields["max_request_bytes"].default
