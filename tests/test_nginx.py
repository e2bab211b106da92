"""deploy/nginx.conf on the real nginx binary, in front of real gunicorn with gevent workers.

Each test speaks from its own loopback address (127.0.0.x), so nginx sees distinct
clients and the per-client rate limit (3 a minute here) keeps the tests apart.
"""

from __future__ import annotations

import itertools
import json
import socket
import time
from collections.abc import Iterator

import pytest
import requests

from tests.deploy_stack import (
    client_from,
    log_lines,
    nginx,
    scrape,
    stack_env,
    timed_events,
    upstreams,
    value,
)
from tests.fake_llm import FakeLLMServer, stream
from tests.servers import Service, free_port, gunicorn
from tests.sse_client import hang_up_after_first_token

ADMIN_TOKEN = "nginx-admin-token-0123"

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


@pytest.fixture(scope="module")
def fakes():
    with upstreams() as running:
        yield running


@pytest.fixture(scope="module")
def llm(fakes) -> FakeLLMServer:
    return fakes[1]


@pytest.fixture(scope="module")
def stack(fakes, tmp_path_factory) -> Iterator[tuple[Service, str]]:
    """gunicorn trusting one proxy hop, and nginx in front of it; yields (service, nginx url)."""
    tmp = tmp_path_factory.mktemp("nginx-stack")
    env = stack_env(
        *fakes, TRUSTED_PROXY_COUNT="1", RATE_LIMIT_PER_MINUTE="3", ADMIN_TOKEN=ADMIN_TOKEN, BODY_READ_TIMEOUT="3"
    )
    with gunicorn(env, tmp) as api, nginx(f"127.0.0.1:{api.port}", tmp / "nginx") as proxy:
        yield api, proxy.url


def ask(session: requests.Session, url: str, *, stream: bool = True, **headers: str) -> requests.Response:
    return session.post(
        f"{url}/api/v1/chat",
        json={"message": "What cloud work has Ada done?", "stream": stream},
        headers=headers,
        stream=stream,
        timeout=20,
    )


def test_tokens_arrive_through_nginx_as_they_are_produced(stack, llm):
    _, url = stack
    llm.enqueue(stream([f" t{i}" for i in range(8)], token_delay=0.3))

    with client_from("127.0.0.11") as client, ask(client, url) as response:
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/event-stream")
        received = list(timed_events(response))

    token_times = [at for at, event in received if event["type"] == "token"]
    assert len(token_times) == 8
    assert received[-1][1]["type"] == "done"
    # Produced 0.3 s apart: buffered, they would all arrive at once at the end.
    assert token_times[-1] - token_times[0] > 1.5
    assert all(later > earlier + 0.1 for earlier, later in itertools.pairwise(token_times))


def test_client_hanging_up_at_nginx_closes_the_llm_request(stack, llm):
    _, url = stack
    llm.enqueue(stream([f" t{i}" for i in range(100)], token_delay=0.1))
    disconnects = llm.disconnects

    with client_from("127.0.0.12") as client:
        started = hang_up_after_first_token(ask(client, url))

        assert llm.wait_for_disconnect(timeout=5, count=disconnects + 1)
    assert time.monotonic() - started < 5


def test_rate_limit_counts_each_real_client_and_ignores_forged_forwarding(stack):
    api, url = stack
    rejected_before = value(scrape(api.url), "rate_limit_rejections_total")

    with client_from("127.0.0.2") as first, client_from("127.0.0.3") as second:
        allowed = [ask(first, url, stream=False).status_code for _ in range(3)]
        forged = [
            ask(first, url, stream=False, **{"X-Forwarded-For": forwarded}).status_code
            for forwarded in ("9.9.9.9", "9.9.9.9, 8.8.8.8", "127.0.0.3")
        ]
        other_client = ask(second, url, stream=False)

    assert allowed == [200, 200, 200]
    assert forged == [429, 429, 429]
    assert other_client.status_code == 200
    assert value(scrape(api.url), "rate_limit_rejections_total") == rejected_before + 3
    # nginx replaced the forged headers: the app only ever saw the real client address.
    chats = [line for line in log_lines(api.log_path) if line.get("path") == "/api/v1/chat"]
    assert {line["forwarded_for"] for line in chats if line["status"] in (200, 429)} >= {"127.0.0.2", "127.0.0.3"}
    assert not any("9.9.9.9" in (line["forwarded_for"] or "") for line in chats)


def test_metrics_are_not_public(stack):
    api, url = stack

    for path in ("/metrics", "//metrics", "/metrics?x=1", "/api/../metrics"):
        response = requests.get(url + path, timeout=5)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"
        assert_an_error_answer_of_nginx(response)
    assert requests.get(api.url + "/metrics", timeout=5).status_code == 200


def test_the_admin_endpoint_is_not_public(stack):
    api, url = stack
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}

    for path in ("/admin/caches", "//admin/sessions", "/admin/caches?x=1", "/api/../admin/caches"):
        response = requests.get(url + path, headers=auth, timeout=5)
        assert response.status_code == 404, path
        assert_an_error_answer_of_nginx(response)
    assert requests.get(api.url + "/admin/caches", headers=auth, timeout=5).status_code == 200


def assert_an_error_answer_of_nginx(response: requests.Response) -> None:
    """Like the app's own errors (SPEC §3): a trace id, and readable by a page on another origin."""
    assert len(response.headers.get("X-Trace-ID", "")) >= 16, response.headers
    assert response.headers.get("Access-Control-Allow-Origin") == "*"


def test_security_headers_on_answers_and_errors(stack):
    _, url = stack

    for path, status in (("/health", 200), ("/api/v1/nothing", 404), ("/metrics", 404)):
        response = requests.get(url + path, timeout=5)
        assert response.status_code == status
        for name, expected in SECURITY_HEADERS.items():
            assert response.headers.get(name) == expected, (path, name)
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
        assert "nginx/" not in response.headers.get("Server", "")
        assert response.headers["Cache-Control"] == "no-store", path  # the app's answers and nginx's own
    docs = requests.get(url + "/docs/swagger", timeout=5)
    assert docs.status_code == 200
    assert "script-src 'self' 'unsafe-inline'" in docs.headers["Content-Security-Policy"]


def test_trace_id_passes_through_nginx(stack):
    _, url = stack

    given = requests.get(url + "/health", headers={"X-Trace-ID": "trace-from-client"}, timeout=5)
    made = requests.get(url + "/health", timeout=5)
    insane = requests.request("XMADEUP", url + "/health", headers={"X-Trace-ID": "<script>" + "x" * 100}, timeout=5)

    assert given.headers["X-Trace-ID"] == "trace-from-client"
    assert len(made.headers["X-Trace-ID"]) == 32  # nginx's $request_id, used by the app
    assert insane.status_code == 405  # answered by nginx itself: its own answers never echo it either
    assert len(insane.headers["X-Trace-ID"]) == 32


@pytest.mark.parametrize("size", [270_000, 2_000_000])  # past the app's 256 KiB: refused by nginx itself
def test_body_over_nginx_limit_is_a_json_413(stack, size):
    _, url = stack

    response = requests.post(
        url + "/api/v1/chat", data=b"x" * size, headers={"Content-Type": "application/json"}, timeout=10
    )

    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Access-Control-Allow-Origin"] == "*"  # a page on another origin can read it


def test_upstream_down_is_a_json_503_that_a_page_on_another_origin_can_read(tmp_path):
    page = "https://resume.example"
    with nginx(f"127.0.0.1:{free_port()}", tmp_path) as proxy:
        response = requests.get(proxy.url + "/api/v1/health", timeout=10)
        preflight = requests.options(
            proxy.url + "/api/v1/chat",
            headers={
                "Origin": page,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type,x-client-version",
            },
            timeout=10,
        )
        chat = requests.post(proxy.url + "/api/v1/chat", json={"message": "hi"}, headers={"Origin": page}, timeout=10)

    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    assert response.headers["Retry-After"] == "5"
    assert response.headers["X-Frame-Options"] == "DENY"
    # The browser's preflight must succeed, or the page sees a network error instead of the 503.
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert preflight.headers["Access-Control-Allow-Headers"] == "content-type,x-client-version"  # as the app allows
    assert chat.status_code == 503
    assert chat.headers["Access-Control-Allow-Origin"] == "*"
    assert "Retry-After" in chat.headers["Access-Control-Expose-Headers"]


def test_a_method_the_api_does_not_have_is_refused_by_nginx_in_json(stack):
    _, url = stack

    response = requests.request("XMADEUP", url + "/api/v1/health", timeout=5)

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert response.headers["Allow"] == "GET, HEAD, POST, OPTIONS"


def test_one_client_cannot_hold_every_connection(stack):
    _, url = stack
    host, port = url.removeprefix("http://").split(":")
    head = b"POST /api/v1/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
    held = []
    try:
        for _ in range(64):  # each sends a little of its body, then waits: a request in progress
            conn = socket.create_connection((host, int(port)), timeout=5)
            conn.sendall(head)
            held.append(conn)
        time.sleep(0.3)
        with socket.create_connection((host, int(port)), timeout=5) as extra:
            extra.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            answer = extra.recv(4096)
    finally:
        for conn in held:
            conn.close()

    status, _, rest = answer.partition(b"\r\n")
    assert status.startswith(b"HTTP/1.1 429 "), answer[:200]
    assert json.loads(rest.partition(b"\r\n\r\n")[2])["code"] == "rate_limited"


@pytest.mark.parametrize(
    ("headers", "path", "status", "code"),
    [
        ({"X-Big": "b" * 20_000}, "/api/v1/health", 431, "headers_too_large"),
        ({}, "/api/v1/health?q=" + "c" * 20_000, 414, "uri_too_long"),
    ],
    ids=["header", "uri"],
)
def test_nginx_refusing_a_request_itself_answers_in_json(stack, headers, path, status, code):
    _, url = stack

    response = requests.get(url + path, headers=headers, timeout=5)

    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_request_nginx_cannot_parse_gets_a_json_400(stack):
    _, url = stack
    host, port = url.removeprefix("http://").split(":")

    with socket.create_connection((host, int(port)), timeout=5) as raw:
        raw.sendall(b"GARBAGE\r\n\r\n")
        head, _, body = raw.recv(4096).partition(b"\r\n\r\n")

    assert head.startswith(b"HTTP/1.1 400 ")
    assert b"Content-Type: application/json" in head
    assert json.loads(body)["code"] == "bad_request"


@pytest.mark.parametrize(
    ("request_head", "status", "code"),
    [
        (b"POST /api/v1/chat HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n", 501, "not_implemented"),
        (b"GET /api/v1/health HTTP/3.0\r\nHost: x\r\n\r\n", 505, "http_version_not_supported"),
    ],
    ids=["unknown-transfer-encoding", "http-3-request-line"],
)
def test_a_request_nginx_will_not_serve_gets_json_not_its_html_page(stack, request_head, status, code):
    _, url = stack
    host, port = url.removeprefix("http://").split(":")

    with socket.create_connection((host, int(port)), timeout=5) as raw:
        raw.sendall(request_head)
        head, _, body = raw.recv(4096).partition(b"\r\n\r\n")

    assert head.startswith(f"HTTP/1.1 {status} ".encode()), head
    assert b"Content-Type: application/json" in head
    assert json.loads(body)["code"] == code


def test_a_body_trickled_through_nginx_gets_the_apps_408_within_its_deadline(stack):
    # nginx's client_body_timeout counts between two reads only: a byte every second held the
    # request (and its connection slot) for as long as the client liked.
    _, url = stack
    host, port = url.removeprefix("http://").split(":")
    head = b"POST /api/v1/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    started = time.monotonic()
    # From an address of its own: the other tests here have spent 127.0.0.1's three requests a minute.
    with socket.create_connection((host, int(port)), timeout=10, source_address=("127.0.0.77", 0)) as raw:
        raw.sendall(head)
        raw.settimeout(1)
        answer = b""
        while not answer and time.monotonic() - started < 15:
            try:
                raw.sendall(b" ")
                answer = raw.recv(4096)
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                break

    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
    assert time.monotonic() - started < 6  # BODY_READ_TIMEOUT is 3 s in this stack
