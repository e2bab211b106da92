"""The chat service end to end: real gunicorn with gevent workers, a real gRPC memvid fake
and a real OpenAI-compatible upstream, all on loopback sockets."""

from __future__ import annotations

import concurrent.futures
import json
import time
import uuid
from collections.abc import Iterator

import pytest
import requests

from tests.fake_llm import stream
from tests.fake_memvid import cloud_hits, module_memvid
from tests.servers import API_KEY, Service, gunicorn, service_env
from tests.sse_client import events, expected_stream, hang_up_after_first_token, without_elapsed

PROFILE = {"name": "Ada Example", "suggested_questions": ["What cloud work has Ada done?"]}
# The passages the fake memvid holds, in the order retrieval must rank them for the question.
SOURCES = ("Experience — Cloudco", "Skills")


memvid = module_memvid(cloud_hits(), PROFILE)


@pytest.fixture(scope="module")
def service(memvid, llm, tmp_path_factory) -> Iterator[Service]:
    with gunicorn(service_env(memvid.target, llm.base_url), tmp_path_factory.mktemp("svc")) as running:
        yield running


@pytest.fixture(autouse=True)
def _reset_fakes(request):
    if "memvid" in request.fixturenames:
        fake = request.getfixturevalue("memvid").fake
        fake.delay, fake.delay_methods, fake.fail_with = 0.0, frozenset(), None


def chat(service: Service, message: str = "What cloud work has Ada done?", **fields) -> requests.Response:
    return requests.post(
        f"{service.url}/api/v1/chat",
        json={"message": message, **fields},
        headers={"X-Trace-ID": "e2e-trace"},
        stream=True,
        timeout=20,
    )


def test_stream_through_gunicorn_is_byte_exact(service, llm):
    llm.enqueue(stream(["Ada", " ran", " K8s."], comments=True))
    sid = str(uuid.uuid4())

    response = chat(service, session_id=sid)

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/event-stream")
    assert response.headers["X-Accel-Buffering"] == "no"
    assert response.headers["X-Trace-ID"] == "e2e-trace"
    expected = expected_stream(sid, ["Ada", " ran", " K8s."], tokens_used=47, trace_id="e2e-trace", sources=SOURCES)
    assert without_elapsed(response.content) == expected


def test_session_continues_over_two_turns(service, llm):
    sid = str(uuid.uuid4())
    llm.enqueue(stream(["Berlin."]), stream(["Go and Python."]))
    before = len(llm.requests)

    first = events(chat(service, "Where is Ada based?", session_id=sid).content)
    second = events(chat(service, "And her languages?", session_id=sid).content)

    assert first[-1]["session_id"] == second[-1]["session_id"] == sid
    sent = llm.requests[before + 1].json["messages"]
    assert [(m["role"], m["content"]) for m in sent[1:]] == [
        ("user", "Where is Ada based?"),
        ("assistant", "Berlin."),
        ("user", "And her languages?"),
    ]
    assert llm.requests[before].headers["authorization"] == f"Bearer {API_KEY}"


def test_keepalives_while_first_token_is_slow(service, llm):
    llm.enqueue(stream(["late"], first_token_delay=1.5))

    response = chat(service)
    lines = response.content.split(b"\n\n")

    first_token = next(i for i, line in enumerate(lines) if b'"type":"token"' in line)
    keepalives = [line for line in lines[:first_token] if line == b": keepalive"]
    assert len(keepalives) >= 3
    assert events(response.content)[-1]["type"] == "done"


def test_client_disconnect_closes_upstream(service, llm):
    llm.enqueue(stream([f" t{i}" for i in range(100)], token_delay=0.1))
    disconnects = llm.disconnects

    started = hang_up_after_first_token(chat(service))

    assert llm.wait_for_disconnect(timeout=5, count=disconnects + 1)
    assert time.monotonic() - started < 5


def test_llm_error_reaches_client_as_error_event(service, llm):
    llm.enqueue(stream(["Half"], error={"code": 502, "message": "provider exploded: secret detail"}))

    received = events(chat(service).content)

    assert [e["type"] for e in received] == ["retrieval", "token", "error"]
    assert received[-1]["code"] == "llm_error"
    assert "secret" not in json.dumps(received)


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (b"{nope", "application/json", 400, "invalid_json"),
        (b'{"message":"hi"}', "text/plain", 415, "unsupported_media_type"),
        (b'{"message":""}', "application/json", 422, "validation_error"),
        (b'{"message":"hi","stream":"no"}', "application/json", 422, "validation_error"),
        (b'{"message":"' + b"x" * 270_000 + b'"}', "application/json", 413, "payload_too_large"),
    ],
)
def test_bad_input_through_gunicorn(service, body, content_type, status, code):
    response = requests.post(
        f"{service.url}/api/v1/chat", data=body, headers={"Content-Type": content_type}, timeout=10
    )

    assert response.status_code == status
    assert response.json()["code"] == code


def test_rate_limit_through_gunicorn(memvid, llm, tmp_path):
    with gunicorn(service_env(memvid.target, llm.base_url, RATE_LIMIT_PER_MINUTE="2"), tmp_path) as limited:
        statuses = [chat(limited, stream=False).status_code for _ in range(3)]
        rejected = chat(limited, stream=False)

    assert statuses == [200, 200, 429]
    assert rejected.json()["code"] == "rate_limited"
    assert rejected.headers["Retry-After"]
    assert rejected.headers["X-RateLimit-Limit"] == "2"


def test_slow_grpc_call_does_not_block_the_worker(service, memvid):
    """One gevent worker: slow Search calls must not stall other requests (grpc made cooperative)."""
    memvid.fake.delay, memvid.fake.delay_methods = 1.0, frozenset({"Search"})
    started = time.monotonic()
    assert chat(service, "Kubernetes?", stream=False).status_code == 200
    one_chat = time.monotonic() - started

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        started = time.monotonic()
        slow = [pool.submit(lambda: chat(service, "Kubernetes?", stream=False)) for _ in range(3)]
        time.sleep(0.3)
        quick_started = time.monotonic()
        quick = requests.get(f"{service.url}/openapi.json", timeout=10)
        quick_seconds = time.monotonic() - quick_started
        slow_done = [future.result() for future in slow]
        three_chats = time.monotonic() - started

    assert quick.status_code == 200
    assert quick_seconds < 0.5, f"a request waited {quick_seconds:.2f}s behind a blocking gRPC call"
    assert all(r.status_code == 200 for r in slow_done)
    assert three_chats < one_chat * 1.8, f"3 concurrent chats took {three_chats:.1f}s, one took {one_chat:.1f}s"


def test_a_chunked_body_over_the_limit_is_413_not_invalid_json(service):
    def ten_megabytes() -> Iterator[bytes]:
        yield b'{"message": "' + b"x" * 65536
        for _ in range(160):
            yield b"x" * 65536

    # A generator body goes out with Transfer-Encoding: chunked and no Content-Length.
    response = requests.post(
        f"{service.url}/api/v1/chat", data=ten_megabytes(), headers={"Content-Type": "application/json"}, timeout=20
    )

    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_responses_are_not_sniffable_and_name_no_server_version(service):
    response = requests.get(f"{service.url}/api/v1/health", timeout=5)

    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers.get("Server", "gunicorn") == "gunicorn"  # the name alone, no version


def test_a_slow_memvid_costs_one_round_trip(service, memvid):
    """Every engine call of a question is in flight at once: a 1.5 s memvid delays the first event ~1.5 s."""
    memvid.fake.delay, memvid.fake.delay_methods = 1.5, frozenset({"Search"})
    started = time.monotonic()

    with chat(service, f"Kubernetes on AWS with Terraform, Python and Go? {uuid.uuid4().hex[:6]}") as response:
        first_data = next(line for line in response.iter_lines() if line.startswith(b"data:"))
        waited = time.monotonic() - started

    assert json.loads(first_data.removeprefix(b"data:"))["type"] == "retrieval"
    assert waited < 2.0, f"the first event came after {waited:.2f}s"
