"""GrpcMemvidBackend against a fake memvid service on a real socket (no grpc mocking)."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import grpc
import pytest

from app.errors import RetrievalUnavailable
from app.grpc_gen.memvid.v1 import memvid_pb2
from app.retrieval.circuit import CircuitBreaker
from app.retrieval.grpc_client import GrpcMemvidBackend, RetrievalRpcError
from app.retrieval.types import BackendHealth, Passage
from app.telemetry.metrics import MEMVID_CALLS
from tests.fake_memvid import FakeMemvidServer, hit, memvid_server

__all__ = ["memvid_server"]  # the fixture, imported so pytest finds it here

FAILURES = [
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.CANCELLED,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.INTERNAL,
    grpc.StatusCode.UNKNOWN,
    grpc.StatusCode.UNIMPLEMENTED,
    grpc.StatusCode.PERMISSION_DENIED,
]


@pytest.fixture
def backend(memvid_server: FakeMemvidServer) -> Iterator[GrpcMemvidBackend]:
    client = GrpcMemvidBackend(memvid_server.target, timeout=2.0)
    yield client
    client.close()


def calls(method: str, status: str) -> float:
    """Return how many memvid calls the histogram counted for `method` and `status`."""
    for metric in MEMVID_CALLS.collect():
        for sample in metric.samples:
            if sample.name.endswith("_count") and sample.labels == {"method": method, "status": status}:
                return sample.value
    return 0.0


def test_search_returns_plain_passages_best_per_title(
    memvid_server: FakeMemvidServer, backend: GrpcMemvidBackend
) -> None:
    memvid_server.fake.hits = [
        hit("Experience", 3.0, "Ran Kubernetes clusters", ["cloud", "k8s"]),
        hit("Skills", 2.0, "Python, Go"),
        hit("Experience", 1.0, "Experience (title match)"),  # the same frame again
    ]
    before = calls("search", "ok")

    passages = backend.search("kubernetes OR cloud", top_k=5, snippet_chars=300)

    assert passages == [
        Passage(title="Experience", text="Ran Kubernetes clusters", score=3.0, tags=("cloud", "k8s")),
        Passage(title="Skills", text="Python, Go", score=2.0),
    ]
    method, request = memvid_server.fake.requests[-1]
    assert (method, request.query, request.snippet_chars) == ("Search", "kubernetes OR cloud", 300)
    assert request.top_k >= 5  # over-fetched: duplicates must not eat the requested passages
    assert calls("search", "ok") == before + 1


def test_search_keeps_at_most_top_k(memvid_server: FakeMemvidServer, backend: GrpcMemvidBackend) -> None:
    memvid_server.fake.hits = [hit(f"Section {n}", 10.0 - n, "text") for n in range(6)]
    assert [p.title for p in backend.search("text", top_k=2, snippet_chars=100)] == ["Section 0", "Section 1"]


def test_blank_query_finds_nothing_without_a_call(memvid_server: FakeMemvidServer, backend: GrpcMemvidBackend) -> None:
    assert backend.search("  ", top_k=3, snippet_chars=100) == []
    assert memvid_server.fake.requests == []


def test_get_state_returns_the_slot_value(memvid_server: FakeMemvidServer, backend: GrpcMemvidBackend) -> None:
    memvid_server.fake.profile_json = json.dumps({"name": "Ada"})
    assert backend.get_state("__profile__", "data") == '{"name": "Ada"}'
    method, request = memvid_server.fake.requests[-1]
    assert (method, request.entity, request.slot) == ("GetState", "__profile__", "data")


def test_get_state_returns_none_when_not_found(backend: GrpcMemvidBackend) -> None:
    assert backend.get_state("__profile__", "data") is None


@pytest.mark.parametrize("serving", [True, False])
def test_health_reports_the_service(memvid_server: FakeMemvidServer, backend: GrpcMemvidBackend, serving: bool) -> None:
    memvid_server.fake.serving = serving
    memvid_server.fake.frame_count = 42
    assert backend.health(timeout=0.5) == BackendHealth(connected=serving, frame_count=42, source="fake.mv2")
    assert memvid_server.fake.requests[-1][0] == "Check"


@pytest.mark.parametrize("code", FAILURES)
def test_failures_become_retrieval_unavailable_without_upstream_text(
    memvid_server: FakeMemvidServer, backend: GrpcMemvidBackend, code: grpc.StatusCode
) -> None:
    memvid_server.fake.fail_with = code
    before = calls("get_state", code.name.lower())
    for call in (
        lambda: backend.search("python", top_k=3, snippet_chars=100),
        lambda: backend.get_state("__profile__", "data"),
    ):
        with pytest.raises(RetrievalUnavailable) as caught:
            call()
        assert caught.value.code == "memvid_unavailable"
        assert "secret" not in str(caught.value)
        assert caught.value.__cause__ is None
        assert caught.value.__suppress_context__
    assert backend.health(timeout=0.5) == BackendHealth(connected=False)
    assert calls("get_state", code.name.lower()) == before + 1


def test_invalid_argument_from_search_means_no_hits(memvid_server: FakeMemvidServer) -> None:
    memvid_server.fake.fail_with = grpc.StatusCode.INVALID_ARGUMENT
    breaker = CircuitBreaker(failure_threshold=1)
    backend = GrpcMemvidBackend(memvid_server.target, timeout=1.0, breaker=breaker)
    before = calls("search", "invalid_argument")

    assert backend.search('title:"unbalanced', top_k=3, snippet_chars=100) == []
    assert backend.search("again", top_k=3, snippet_chars=100) == []
    with pytest.raises(RetrievalRpcError) as caught:
        backend.get_state("__profile__", "data")

    assert caught.value.grpc_code is grpc.StatusCode.INVALID_ARGUMENT
    assert breaker.state == "closed"  # the service answered: not an outage
    assert calls("search", "invalid_argument") == before + 2
    backend.close()


def test_slow_service_trips_the_deadline(memvid_server: FakeMemvidServer) -> None:
    memvid_server.fake.delay = 2.0
    backend = GrpcMemvidBackend(memvid_server.target, timeout=0.3)
    started = time.monotonic()
    with pytest.raises(RetrievalRpcError) as caught:
        backend.search("python", top_k=3, snippet_chars=100)
    assert time.monotonic() - started < 1.0
    assert caught.value.grpc_code is grpc.StatusCode.DEADLINE_EXCEEDED

    started = time.monotonic()
    assert backend.health(timeout=0.2) == BackendHealth(connected=False)
    assert time.monotonic() - started < 1.0
    backend.close()


def test_health_polls_of_a_memvid_slower_than_their_probe_never_open_the_breaker(
    memvid_server: FakeMemvidServer,
) -> None:
    # A memvid answering in 1.2 s (inside the searches' 3 s) missed the 0.8 s health probe:
    # three polls opened the breaker, and chats answered without resume context (ops audit).
    breaker = CircuitBreaker(failure_threshold=2, base_delay=5.0)
    backend = GrpcMemvidBackend(memvid_server.target, timeout=3.0, breaker=breaker)
    memvid_server.fake.hits = [hit("Skills", 1.0, "Python")]
    memvid_server.fake.delay = 0.5

    polls = [backend.health(timeout=0.2) for _ in range(3)]

    assert polls == [BackendHealth(connected=False)] * 3  # slow: health says so
    assert breaker.state == "closed"
    assert backend.search("python", top_k=3, snippet_chars=100)  # and searches still answer
    assert backend.health(timeout=3.0).connected  # a probe as patient as the searches counts
    backend.close()


def test_backs_off_while_down_then_recovers(memvid_server: FakeMemvidServer) -> None:
    breaker = CircuitBreaker(failure_threshold=2, base_delay=0.5, max_delay=2.0)
    backend = GrpcMemvidBackend(memvid_server.target, timeout=3.0, breaker=breaker)
    fake = memvid_server.fake
    fake.hits = [hit("Skills", 1.0, "Python")]
    assert backend.search("python", top_k=3, snippet_chars=100)

    memvid_server.stop()
    for _ in range(2):
        with pytest.raises(RetrievalUnavailable):
            backend.search("python", top_k=3, snippet_chars=100)
    assert breaker.state == "open"

    memvid_server.start()  # back on the same port, but the back-off has not elapsed
    seen = len(fake.requests)
    started = time.monotonic()
    with pytest.raises(RetrievalUnavailable) as caught:
        backend.search("python", top_k=3, snippet_chars=100)
    assert backend.health(timeout=1.0) == BackendHealth(connected=False)
    assert time.monotonic() - started < 0.1  # failed fast, far under the 3 s deadline
    assert len(fake.requests) == seen  # nothing reached the service
    assert caught.value.retry_after is not None
    assert 0 < caught.value.retry_after <= 0.5

    time.sleep(breaker.retry_after + 0.05)
    assert backend.health(timeout=1.0).connected  # the health check is the probe
    assert breaker.state == "closed"
    assert backend.search("python", top_k=3, snippet_chars=100) == [Passage("Skills", "Python", 1.0)]
    backend.close()


def test_failed_probe_doubles_the_back_off(memvid_server: FakeMemvidServer) -> None:
    breaker = CircuitBreaker(failure_threshold=1, base_delay=0.2, max_delay=5.0)
    backend = GrpcMemvidBackend(memvid_server.target, timeout=1.0, breaker=breaker)
    memvid_server.stop()
    with pytest.raises(RetrievalUnavailable):
        backend.get_state("__profile__", "data")
    time.sleep(0.25)
    with pytest.raises(RetrievalUnavailable):
        backend.get_state("__profile__", "data")  # the probe, refused by the dead service
    assert 0.2 < breaker.retry_after <= 0.4
    backend.close()


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A plain TCP listener: shows exactly when the client opens and closes its connection."""
    sock = socket.create_server(("127.0.0.1", 0))
    sock.settimeout(0.3)
    yield sock
    sock.close()


def test_channel_is_created_lazily_and_closed(listener: socket.socket) -> None:
    backend = GrpcMemvidBackend(f"127.0.0.1:{listener.getsockname()[1]}", timeout=0.3)
    with pytest.raises(TimeoutError):
        listener.accept()  # constructing the backend opened nothing
    assert not backend._channel.is_open

    assert backend.health(timeout=0.3) == BackendHealth(connected=False)  # not a gRPC server
    conn, _ = listener.accept()
    conn.settimeout(2.0)
    backend.close()
    assert not backend._channel.is_open
    while conn.recv(4096):  # drain the HTTP/2 preface until the client hangs up
        pass
    conn.close()


def test_close_then_use_opens_a_new_channel(memvid_server: FakeMemvidServer, backend: GrpcMemvidBackend) -> None:
    backend.close()  # before any call: nothing to close
    assert backend.health(timeout=0.5).connected
    backend.close()
    assert backend.health(timeout=0.5).connected
    assert [method for method, _ in memvid_server.fake.requests] == ["Check", "Check"]


def test_backend_name() -> None:
    assert GrpcMemvidBackend("127.0.0.1:1", timeout=1.0).name == "grpc"


def test_lexical_search_always_names_its_mode(memvid_server: FakeMemvidServer, backend: GrpcMemvidBackend) -> None:
    backend.search("kubernetes", top_k=5, snippet_chars=300)

    _, request = memvid_server.fake.requests[-1]
    assert request.mode == memvid_pb2.ASK_MODE_LEX


def test_semantic_search_sends_the_question_in_semantic_mode(
    memvid_server: FakeMemvidServer, backend: GrpcMemvidBackend
) -> None:
    memvid_server.fake.hits = [hit("Languages", 0.9, "Speaks four languages")]

    passages = backend.semantic_search("Is she multilingual?", top_k=3, snippet_chars=300)

    _, request = memvid_server.fake.requests[-1]
    assert (request.query, request.mode) == ("Is she multilingual?", memvid_pb2.ASK_MODE_SEM)
    assert [p.title for p in passages] == ["Languages"]
    assert backend.modes == ("lexical", "semantic")


@pytest.mark.parametrize("code", [grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.UNIMPLEMENTED])
def test_a_service_that_refuses_semantic_search_is_searched_lexically_only(
    memvid_server: FakeMemvidServer, backend: GrpcMemvidBackend, code: grpc.StatusCode
) -> None:
    memvid_server.fake.fail_with = code

    assert backend.semantic_search("Is she multilingual?", top_k=3, snippet_chars=300) == []
    asked = len(memvid_server.fake.requests)
    assert backend.semantic_search("Again?", top_k=3, snippet_chars=300) == []

    assert backend.modes == ("lexical",)
    assert len(memvid_server.fake.requests) == asked  # not asked again


def test_an_outage_during_semantic_search_is_unavailable(
    memvid_server: FakeMemvidServer, backend: GrpcMemvidBackend
) -> None:
    memvid_server.fake.fail_with = grpc.StatusCode.UNAVAILABLE

    with pytest.raises(RetrievalUnavailable):
        backend.semantic_search("Is she multilingual?", top_k=3, snippet_chars=300)
    assert backend.modes == ("lexical", "semantic")
