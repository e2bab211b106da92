"""Requests gunicorn refuses before the app runs still get the JSON error shape, with X-Trace-ID."""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Iterator

import pytest
from gunicorn.http import errors as parse_errors

from app.worker.gevent_worker import coded_error, render
from tests.fake_llm import FakeLLMServer
from tests.fake_memvid import FakeMemvidServer
from tests.servers import Service, gunicorn, service_env


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (parse_errors.LimitRequestHeaders("too many"), 431, "headers_too_large"),
        (parse_errors.LimitRequestLine(9000, 4094), 414, "uri_too_long"),
        (parse_errors.InvalidHeader("X-Bad"), 400, "bad_request"),
        (parse_errors.InvalidRequestLine("GET"), 400, "bad_request"),
        (parse_errors.InvalidChunkSize("zz"), 400, "bad_request"),
        (parse_errors.UnsupportedTransferCoding("gzip"), 501, "unsupported_transfer_coding"),
        (parse_errors.ForbiddenProxyRequest("10.0.0.1"), 403, "forbidden"),
    ],
)
def test_parse_failures_map_to_coded_errors(exc, status, code):
    error = coded_error(exc)

    assert error is not None
    assert (error.status, error.code) == (status, code)
    assert "X-Bad" not in error.detail  # nothing the client sent is echoed


@pytest.mark.parametrize(
    "exc", [RuntimeError("bug"), parse_errors.InvalidResponseHeader("X"), parse_errors.ConfigurationProblem("x")]
)
def test_our_own_failures_are_not_blamed_on_the_client(exc):
    assert coded_error(exc) is None


def test_render_is_a_whole_json_response():
    raw = render(coded_error(parse_errors.LimitRequestHeaders("x")))
    head, _, body = raw.partition(b"\r\n\r\n")

    assert head.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n")
    assert b"\r\nContent-Type: application/json\r\n" in head
    assert f"Content-Length: {len(body)}".encode() in head
    assert json.loads(body) == {"detail": "The request headers are too large.", "code": "headers_too_large"}


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> Iterator[Service]:
    memvid = FakeMemvidServer()
    memvid.start()
    with FakeLLMServer() as llm:
        env = service_env(memvid.target, llm.base_url, BODY_READ_TIMEOUT="1")
        with gunicorn(env, tmp_path_factory.mktemp("w")) as s:
            yield s
    memvid.stop()


def raw_request(service: Service, data: bytes) -> tuple[str, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", service.port), timeout=5) as sock:
        sock.sendall(data)
        received = b""
        # gunicorn closes as soon as it answered; unread request bytes may turn that into a reset.
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in header_lines)
    return status_line, headers, body


@pytest.mark.parametrize(
    ("request_bytes", "status", "code"),
    [
        (b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", 431, "headers_too_large"),
        (b"GET /health HTTP/1.1\r\nHost: x\r\nX-Bad: a\x01b\r\n\r\n", 400, "bad_request"),
        (b"GET /" + b"a" * 4200 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri_too_long"),
        (b"NOT A REQUEST\r\n\r\n", 400, "bad_request"),
    ],
)
def test_gunicorn_refusals_are_json_with_a_trace_id(service, request_bytes, status, code):
    status_line, headers, body = raw_request(service, request_bytes)

    assert status_line.startswith(f"HTTP/1.1 {status} ")
    assert headers["Content-Type"] == "application/json"
    assert len(headers["X-Trace-ID"]) == 32
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert json.loads(body)["code"] == code
    assert b"<html" not in body


def reply_to_a_body_cut_short(service, path: str, length: int, sent: bytes) -> tuple[bytes, float]:
    """POST `sent` of a body announced as `length` bytes, then wait: the reply, and how long it took."""
    head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", service.port), timeout=10) as sock:
        sock.sendall(head.encode() + sent)
        received = b""
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                received += chunk
    return received, time.monotonic() - started


def test_a_body_sent_a_byte_at_a_time_is_cut_off_with_408_and_the_connection_closed(service):
    # One client trickling its body held a worker connection as long as it liked: 1,000 of them
    # held every connection of the worker, and health checks timed out.
    received, elapsed = reply_to_a_body_cut_short(service, "/api/v1/chat", 1000, b'{"message":')

    status_line, _, rest = received.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 408 "), received[:200]
    assert json.loads(rest.partition(b"\r\n\r\n")[2])["code"] == "request_timeout"
    assert 0.9 < elapsed < 5  # BODY_READ_TIMEOUT is 1 s here; then the connection is closed


def test_a_slow_body_on_the_mcp_endpoint_is_a_json_rpc_408_after_one_wait(service):
    # The rate limit reads the body first (to see whether it calls a tool): its 408 was
    # swallowed, the endpoint waited a second time, and the second 408 became a 500.
    received, elapsed = reply_to_a_body_cut_short(service, "/mcp", 40, b'{"jso')

    status_line, _, rest = received.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 408 "), received[:200]
    body = json.loads(rest.partition(b"\r\n\r\n")[2])
    assert body["jsonrpc"] == "2.0"
    assert body["id"] is None
    assert body["error"]["message"] == "The request body did not arrive in time."
    assert 0.9 < elapsed < 1.9  # one BODY_READ_TIMEOUT (1 s here), not two
