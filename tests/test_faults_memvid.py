"""memvid faults end to end: real gunicorn (one gevent worker) against the gRPC memvid fake of
tests/fake_memvid.py. Chat must answer through every fault (without resume context, and say
so with 0 chunks), profile and questions must say 503 or 404 as SPEC §3 has it, health must
answer within a second, and the service must recover by itself when memvid comes back."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import grpc
import pytest

from tests.fake_memvid import FakeMemvid, FakeMemvidServer, hit
from tests.servers import API_KEY, gunicorn, service_env
from tests.service_probe import Probe, assert_no_secrets, new_session

SYSTEM_PROMPT = "CANARY-SYSTEM-PROMPT-MEMVID: keep this to yourself"
PROFILE = {
    "name": "Ada Example",
    "suggested_questions": ["What cloud work has Ada done?"],
    "system_prompt": SYSTEM_PROMPT,
}
HITS = [hit("Experience — Cloudco", 3.5, "Ran Kubernetes on AWS."), hit("Skills", 2.0, "Go, Python")]
TIMEOUT = 0.5  # MEMVID_TIMEOUT_SECONDS


@pytest.fixture(scope="module")
def memvid() -> Iterator[FakeMemvidServer]:
    server = FakeMemvidServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def probe(memvid, llm, tmp_path_factory) -> Iterator[Probe]:
    env = service_env(
        memvid.target,
        llm.base_url,
        MEMVID_TIMEOUT_SECONDS=str(TIMEOUT),
        # Nothing cached: every request asks memvid, so each row sees its own fault.
        RETRIEVAL_CACHE_SECONDS="0",
        PROFILE_CACHE_SECONDS="0",
        HEALTH_CACHE_SECONDS="0",
    )
    with gunicorn(env, tmp_path_factory.mktemp("faults-memvid")) as service:
        probe = Probe(service)
        yield probe
        probe.close()


def _healthy(fake: FakeMemvid) -> None:
    fake.hits, fake.profile_json = list(HITS), json.dumps(PROFILE)
    fake.delay, fake.delay_methods, fake.fail_with, fake.fail_methods = 0.0, frozenset(), None, frozenset()


def wait_until_healthy(probe: Probe, timeout: float = 10.0) -> None:
    """Poll health (each poll may be the circuit breaker's probe) until retrieval is back."""
    deadline = time.monotonic() + timeout
    while probe.request("GET", "/api/v1/health").json()["status"] != "healthy":
        assert time.monotonic() < deadline, "retrieval did not recover"
        time.sleep(0.2)


@pytest.fixture(autouse=True)
def healthy_memvid_between_rows(memvid, probe):
    _healthy(memvid.fake)
    wait_until_healthy(probe)
    yield
    _healthy(memvid.fake)


def _unavailable(fake: FakeMemvid) -> None:
    fake.fail_with = grpc.StatusCode.UNAVAILABLE


def _hangs(fake: FakeMemvid) -> None:
    fake.delay = 4 * TIMEOUT


def _slow(fake: FakeMemvid) -> None:
    fake.delay = TIMEOUT / 3


def _empty(fake: FakeMemvid) -> None:
    fake.hits = []


def _no_profile(fake: FakeMemvid) -> None:
    fake.profile_json = None


def _profile_not_json(fake: FakeMemvid) -> None:
    fake.profile_json = '{"name": "Ada", '


@dataclass(frozen=True)
class Fault:
    name: str
    apply: Callable[[FakeMemvid], None]
    chunks: int  # passages the answer is given (the retrieval event's `chunks`)
    health: str  # status of /api/v1/health
    profile: tuple[int, str | None]  # /api/v1/profile status and error code
    # The memvid_call_duration_seconds status label of the failing Search calls; None: no Search
    # call, the profile lookup's missed deadline was the question's one wait on memvid.
    search_status: str | None
    log_event: str | None = None


FAULTS = [
    Fault(
        "unavailable", _unavailable, 0, "degraded", (503, "memvid_unavailable"), "unavailable", "retrieval.unavailable"
    ),
    Fault(
        "deadline_exceeded",
        _hangs,
        0,
        "degraded",
        (503, "memvid_unavailable"),
        None,
        "retrieval.unavailable",
    ),
    Fault("slow_within_deadline", _slow, 2, "healthy", (200, None), "ok"),
    Fault("empty_results", _empty, 0, "healthy", (200, None), "ok"),
    Fault("profile_missing", _no_profile, 2, "healthy", (404, "profile_not_found"), "ok"),
    Fault("profile_not_json", _profile_not_json, 2, "healthy", (404, "profile_not_found"), "ok", "profile.invalid"),
]


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.name)
def test_service_under_memvid_fault(probe, memvid, llm, fault):
    session_id = new_session()
    before, mark = probe.metrics(), probe.log_mark()
    fault.apply(memvid.fake)

    started = time.monotonic()
    received = probe.chat_events(session_id=session_id)
    chat_seconds = time.monotonic() - started
    health_started = time.monotonic()
    health = probe.request("GET", "/api/v1/health")
    health_seconds = time.monotonic() - health_started
    profile = probe.request("GET", "/api/v1/profile")
    questions = probe.request("GET", "/api/v1/suggested-questions")

    assert [e["type"] for e in received][:1] + [e["type"] for e in received][-1:] == ["retrieval", "done"]
    assert received[0]["chunks"] == len(received[0]["sources"]) == fault.chunks
    assert received[-1]["chunks_retrieved"] == fault.chunks
    # One memvid deadline at most: the profile lookup and then the search each waited it out (1.0 s).
    assert chat_seconds < 1.6 * TIMEOUT, f"chat waited {chat_seconds:.2f}s on memvid"
    assert (health.status_code, health.json()["status"]) == (200, fault.health)
    assert health_seconds < 1.0, f"health took {health_seconds:.2f}s"
    status, code = fault.profile
    assert profile.status_code == questions.status_code == status
    if code:
        assert profile.json() == {"detail": profile.json()["detail"], "code": code}
        assert questions.json()["code"] == code
    else:
        assert "system_prompt" not in profile.json()
    passages_sent = llm.requests[-1].json["messages"][0]["content"]
    assert ("Ran Kubernetes on AWS." in passages_sent) == (fault.chunks > 0)

    after = probe.metrics()
    if fault.search_status is None:
        deadlines = {
            method: after.delta(before, "memvid_call_duration_seconds_count", method=method, status="deadline_exceeded")
            for method in ("get_state", "search")
        }
        assert deadlines["get_state"] >= 1
        assert deadlines["search"] == 0, "the search waited out a second deadline"
    else:
        calls = after.delta(before, "memvid_call_duration_seconds_count", method="search", status=fault.search_status)
        assert calls >= 1
    assert after.value("chat_active_streams") == 0
    if fault.log_event:
        probe.wait_for_log(mark, fault.log_event)


def test_memvid_restart_mid_run_recovers_without_a_service_restart(probe, memvid):
    assert probe.chat_events()[0]["chunks"] == 2
    mark = probe.log_mark()

    memvid.stop()
    while_down = [probe.chat_events()[0]["chunks"] for _ in range(4)]
    down_health = probe.request("GET", "/api/v1/health").json()["status"]
    memvid.start()  # the same port
    wait_until_healthy(probe)
    back = probe.chat_events()

    assert while_down == [0, 0, 0, 0]
    assert down_health == "degraded"
    assert back[0]["chunks"] == 2
    probe.wait_for_log(mark, "retrieval.unavailable")
    # While it was down, the circuit breaker answered most calls without waiting on memvid.
    assert probe.metrics().value("memvid_call_duration_seconds_count", method="search", status="circuit_open") >= 1


def test_nothing_secret_reached_a_client_or_the_log(probe, llm, memvid):
    secrets = [API_KEY, SYSTEM_PROMPT, memvid.fake.fail_details, llm.base_url, memvid.target]

    assert probe.seen
    assert_no_secrets(secrets, probe.seen, "a response")
    assert_no_secrets(secrets, [probe.service.log()], "the service log")
    assert probe.unstructured_log_lines() == []  # every fault was logged as one JSON event, no stack trace
