"""The memvid.v1 gRPC server, exercised over a real channel against a fake backend."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import pytest

from app.config import EXAMPLE_RESUME
from app.errors import RetrievalUnavailable
from app.grpc_gen.memvid.v1 import memvid_pb2, memvid_pb2_grpc
from app.resume.ingest import ingest_resume
from app.retrieval.embedded import EmbeddedMemvidBackend
from app.retrieval.grpc_client import GrpcMemvidBackend
from app.retrieval.grpc_server import MemvidServer, serve
from app.retrieval.grpc_servicers import DEFAULT_SNIPPET_CHARS, DEFAULT_TOP_K
from app.retrieval.retriever import ResumeRetriever
from app.retrieval.types import LEXICAL, PROFILE_ENTITY, PROFILE_SLOT, SEMANTIC, BackendHealth, Passage

TIMEOUT = 5.0
PROFILE = json.dumps({"name": "Ada Lovelace", "suggested_questions": ["Which engines?"]})
PASSAGES = [
    Passage("Experience — Analytical Engine", "Wrote the first program. 🚀", 7.5, ("math", "programming")),
    Passage("Skills", "- Mathematics: strong", 1.25),
]


@dataclass
class FakeBackend:
    """A scriptable MemvidBackend: canned answers, recorded calls, an optional failure."""

    name: str = "fake"
    passages: list[Passage] = field(default_factory=lambda: list(PASSAGES))
    cards: dict[tuple[str, str], str] = field(default_factory=lambda: {(PROFILE_ENTITY, PROFILE_SLOT): PROFILE})
    health_report: BackendHealth = field(default_factory=lambda: BackendHealth(True, 42, "/data/ada.mv2"))
    error: Exception | None = None
    calls: list[tuple[object, ...]] = field(default_factory=list)

    def search(self, query: str, *, top_k: int, snippet_chars: int) -> list[Passage]:
        self.calls.append(("search", query, top_k, snippet_chars))
        self._maybe_fail()
        return self.passages[:top_k]

    def get_state(self, entity: str, slot: str) -> str | None:
        self.calls.append(("get_state", entity, slot))
        self._maybe_fail()
        return self.cards.get((entity, slot))

    def health(self, *, timeout: float) -> BackendHealth:
        self.calls.append(("health", timeout))
        self._maybe_fail()
        return self.health_report

    def close(self) -> None:
        self.calls.append(("close",))

    def _maybe_fail(self) -> None:
        if self.error is not None:
            raise self.error


@dataclass
class Client:
    memvid: memvid_pb2_grpc.MemvidServiceStub
    health: memvid_pb2_grpc.HealthStub


@pytest.fixture
def backend() -> FakeBackend:
    return FakeBackend()


@pytest.fixture
def server(backend: FakeBackend) -> Iterator[MemvidServer]:
    running = serve(backend, port=0, max_workers=2)
    yield running
    running.stop(None).wait(TIMEOUT)


@pytest.fixture
def client(server: MemvidServer) -> Iterator[Client]:
    with grpc.insecure_channel(server.address) as channel:
        yield Client(memvid_pb2_grpc.MemvidServiceStub(channel), memvid_pb2_grpc.HealthStub(channel))


def status_of(call: grpc.RpcError) -> grpc.StatusCode:
    assert isinstance(call, grpc.Call)
    code: grpc.StatusCode = call.code()
    return code


def test_serve_binds_a_free_port(server: MemvidServer) -> None:
    assert server.port > 0
    assert server.address == f"127.0.0.1:{server.port}"


def test_search_maps_passages_to_hits(client: Client, backend: FakeBackend) -> None:
    response = client.memvid.Search(
        memvid_pb2.SearchRequest(query="engine OR math", top_k=5, snippet_chars=200), timeout=TIMEOUT
    )
    assert [(h.title, h.score, h.snippet, list(h.tags)) for h in response.hits] == [
        ("Experience — Analytical Engine", 7.5, "Wrote the first program. 🚀", ["math", "programming"]),
        ("Skills", 1.25, "- Mathematics: strong", []),
    ]
    assert response.total_hits == 2
    assert 0 <= response.took_ms < 1000
    assert backend.calls == [("search", "engine OR math", 5, 200)]


@pytest.mark.parametrize(
    ("request_fields", "expected_call", "titles"),
    [
        (
            {"query": "x"},
            ("search", "x", DEFAULT_TOP_K, DEFAULT_SNIPPET_CHARS),
            ["Experience — Analytical Engine", "Skills"],
        ),
        ({"query": "x", "top_k": 1}, ("search", "x", 1, DEFAULT_SNIPPET_CHARS), ["Experience — Analytical Engine"]),
        (
            {"query": "x", "min_relevance": 2.0},
            ("search", "x", DEFAULT_TOP_K, DEFAULT_SNIPPET_CHARS),
            ["Experience — Analytical Engine"],
        ),
    ],
)
def test_search_defaults_and_filters(
    client: Client,
    backend: FakeBackend,
    request_fields: dict[str, object],
    expected_call: tuple[object, ...],
    titles: list[str],
) -> None:
    response = client.memvid.Search(memvid_pb2.SearchRequest(**request_fields), timeout=TIMEOUT)
    assert [h.title for h in response.hits] == titles
    assert response.total_hits == len(titles)
    assert backend.calls == [expected_call]


def test_blank_query_returns_nothing_without_asking_the_engine(client: Client, backend: FakeBackend) -> None:
    response = client.memvid.Search(memvid_pb2.SearchRequest(query="   "), timeout=TIMEOUT)
    assert list(response.hits) == []
    assert backend.calls == []


@pytest.mark.parametrize(
    ("entity", "slot", "found", "slots"),
    [
        (PROFILE_ENTITY, PROFILE_SLOT, True, {PROFILE_SLOT: PROFILE}),
        (PROFILE_ENTITY, "other", False, {}),
        ("nobody", PROFILE_SLOT, False, {}),
    ],
)
def test_get_state(client: Client, entity: str, slot: str, found: bool, slots: dict[str, str]) -> None:
    response = client.memvid.GetState(memvid_pb2.GetStateRequest(entity=entity, slot=slot), timeout=TIMEOUT)
    assert (response.found, response.entity, dict(response.slots)) == (found, entity, slots)


@pytest.mark.parametrize(
    ("report", "status", "frames", "source"),
    [
        (BackendHealth(True, 42, "/data/ada.mv2"), memvid_pb2.HealthCheckResponse.SERVING, 42, "/data/ada.mv2"),
        (BackendHealth(True, 0, "empty.mv2"), memvid_pb2.HealthCheckResponse.SERVING, 0, "empty.mv2"),
        (BackendHealth(False, 42, "/data/ada.mv2"), memvid_pb2.HealthCheckResponse.NOT_SERVING, 0, ""),
    ],
)
def test_health(
    client: Client, backend: FakeBackend, report: BackendHealth, status: int, frames: int, source: str
) -> None:
    backend.health_report = report
    response = client.health.Check(memvid_pb2.HealthCheckRequest(), timeout=TIMEOUT)
    assert (response.status, response.frame_count, response.memvid_file) == (status, frames, source)
    ((name, timeout),) = backend.calls
    assert name == "health"
    assert 0 < timeout <= TIMEOUT  # bounded by the caller's deadline


def test_ask_is_unimplemented(client: Client) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        client.memvid.Ask(memvid_pb2.AskRequest(question="Who?"), timeout=TIMEOUT)
    assert status_of(caught.value) is grpc.StatusCode.UNIMPLEMENTED


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (RetrievalUnavailable(), grpc.StatusCode.UNAVAILABLE),
        (ValueError("bad query syntax"), grpc.StatusCode.INVALID_ARGUMENT),
        (RuntimeError("secret /internal/path"), grpc.StatusCode.INTERNAL),
    ],
)
@pytest.mark.parametrize(
    "rpc",
    [
        lambda c: c.memvid.Search(memvid_pb2.SearchRequest(query="x"), timeout=TIMEOUT),
        lambda c: c.memvid.GetState(memvid_pb2.GetStateRequest(entity="e", slot="s"), timeout=TIMEOUT),
        lambda c: c.health.Check(memvid_pb2.HealthCheckRequest(), timeout=TIMEOUT),
    ],
    ids=["search", "get_state", "health"],
)
def test_backend_errors_become_status_codes(
    client: Client, backend: FakeBackend, rpc: Callable[[Client], object], error: Exception, code: grpc.StatusCode
) -> None:
    backend.error = error
    with pytest.raises(grpc.RpcError) as caught:
        rpc(client)
    assert status_of(caught.value) is code
    assert "secret" not in str(caught.value)


@pytest.mark.parametrize(
    ("rpc", "request_message"),
    [
        ("Search", memvid_pb2.SearchRequest(query="x", top_k=-1)),
        ("Search", memvid_pb2.SearchRequest(query="x", snippet_chars=-5)),
        ("GetState", memvid_pb2.GetStateRequest(entity="", slot=PROFILE_SLOT)),
        ("GetState", memvid_pb2.GetStateRequest(entity=PROFILE_ENTITY, slot="")),
    ],
)
def test_bad_arguments_are_rejected(client: Client, backend: FakeBackend, rpc: str, request_message: object) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        getattr(client.memvid, rpc)(request_message, timeout=TIMEOUT)
    assert status_of(caught.value) is grpc.StatusCode.INVALID_ARGUMENT
    assert backend.calls == []


def test_port_in_use_is_a_clear_error(server: MemvidServer, backend: FakeBackend) -> None:
    with pytest.raises(OSError, match=f"127.0.0.1:{server.port}"):
        serve(backend, port=server.port)


SERVE_SCRIPT = """
from app.retrieval.grpc_server import run_until_signalled, serve
from app.retrieval.types import BackendHealth

class Backend:
    name = "script"
    def search(self, query, *, top_k, snippet_chars): return []
    def get_state(self, entity, slot): return None
    def health(self, *, timeout): return BackendHealth(True, 3, "script.mv2")
    def close(self): pass

server = serve(Backend(), port=0)
run_until_signalled(server, grace=1.0, on_ready=lambda: print(server.address, flush=True))
print("stopped", flush=True)
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_run_until_signalled_stops_gracefully(sig: signal.Signals) -> None:
    root = Path(__file__).resolve().parents[1]
    with subprocess.Popen([sys.executable, "-c", SERVE_SCRIPT], cwd=root, stdout=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        address = process.stdout.readline().strip()
        assert address.startswith("127.0.0.1:")
        with grpc.insecure_channel(address) as channel:
            response = memvid_pb2_grpc.HealthStub(channel).Check(memvid_pb2.HealthCheckRequest(), timeout=TIMEOUT)
        assert response.frame_count == 3
        process.send_signal(sig)
        assert process.wait(timeout=TIMEOUT) == 0
        assert process.stdout.read() == "stopped\n"


@dataclass
class SemanticFakeBackend(FakeBackend):
    """A FakeBackend that also ranks by meaning (the first passage last, to tell the modes apart)."""

    modes: tuple[str, ...] = (LEXICAL, SEMANTIC)

    def semantic_search(self, question: str, *, top_k: int, snippet_chars: int) -> list[Passage]:
        self.calls.append(("semantic_search", question, top_k, snippet_chars))
        return list(reversed(self.passages))[:top_k]


def test_semantic_mode_ranks_by_meaning_and_other_modes_lexically() -> None:
    backend = SemanticFakeBackend()
    running = serve(backend, port=0, max_workers=2)
    try:
        with grpc.insecure_channel(running.address) as channel:
            stub = memvid_pb2_grpc.MemvidServiceStub(channel)
            sem = memvid_pb2.SearchRequest(query="Can she count?", top_k=5, mode=memvid_pb2.ASK_MODE_SEM)
            lex = memvid_pb2.SearchRequest(query="math", top_k=5, mode=memvid_pb2.ASK_MODE_LEX)
            by_meaning = stub.Search(sem, timeout=TIMEOUT)
            by_words = stub.Search(lex, timeout=TIMEOUT)
    finally:
        running.stop(None).wait(TIMEOUT)

    assert [h.title for h in by_meaning.hits] == ["Skills", "Experience — Analytical Engine"]
    assert [h.title for h in by_words.hits] == ["Experience — Analytical Engine", "Skills"]
    assert [call[:2] for call in backend.calls] == [("semantic_search", "Can she count?"), ("search", "math")]


def test_semantic_mode_without_vectors_is_a_failed_precondition(client: Client, backend: FakeBackend) -> None:
    request = memvid_pb2.SearchRequest(query="Can she count?", top_k=5, mode=memvid_pb2.ASK_MODE_SEM)

    with pytest.raises(grpc.RpcError) as raised:
        client.memvid.Search(request, timeout=TIMEOUT)

    assert status_of(raised.value) is grpc.StatusCode.FAILED_PRECONDITION
    assert backend.calls == []


def test_the_app_searches_hybrid_through_this_server(tmp_path: Path) -> None:
    out = tmp_path / "example.mv2"
    ingest_resume(EXAMPLE_RESUME, out)
    running = serve(EmbeddedMemvidBackend(out), port=0, max_workers=8)
    client = GrpcMemvidBackend(running.address, timeout=TIMEOUT)
    try:
        found = ResumeRetriever(client, top_k=5, profile_ttl=0, health_ttl=0).retrieve("Is she multilingual?")
    finally:
        client.close()
        running.stop(None).wait(TIMEOUT)

    assert found.modes == (LEXICAL, SEMANTIC)
    assert "Which languages does she speak?" in [p.title for p in found.passages]
