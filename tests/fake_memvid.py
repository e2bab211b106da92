"""A scriptable memvid.v1 server on a real socket, for tests of the gRPC client and the app.

    def test_x(memvid_server):
        memvid_server.fake.hits = [hit("Skills", 2.5, "Python, Go")]
        backend = GrpcMemvidBackend(memvid_server.target, timeout=1.0)

Import the fixture where it is used: `from tests.fake_memvid import memvid_server`.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator, Sequence
from concurrent import futures
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import grpc
import pytest

from app.grpc_gen.memvid.v1 import memvid_pb2, memvid_pb2_grpc

Context: TypeAlias = grpc.ServicerContext


def hit(title: str, score: float, snippet: str, tags: Sequence[str] = ()) -> memvid_pb2.SearchHit:
    """Build one search hit for `FakeMemvid.hits`."""
    return memvid_pb2.SearchHit(title=title, score=score, snippet=snippet, tags=list(tags))


@dataclass
class FakeMemvid:
    """What the fake server answers; change the fields between calls to script it."""

    hits: list[memvid_pb2.SearchHit] = field(default_factory=list)
    profile_json: str | None = None  # the `__profile__` / `data` memory card
    states: dict[tuple[str, str], str] = field(default_factory=dict)  # other (entity, slot) cards
    frame_count: int = 3
    memvid_file: str = "fake.mv2"
    serving: bool = True
    delay: float = 0.0  # seconds a call waits before answering
    delay_methods: frozenset[str] = frozenset()  # empty: `delay` applies to every method
    fail_with: grpc.StatusCode | None = None
    fail_methods: frozenset[str] = frozenset()  # empty: `fail_with` applies to every method
    fail_details: str = "upstream secret: stack trace at /srv/memvid"
    requests: list[tuple[str, Any]] = field(default_factory=list)  # (method, request), in order
    metadata: list[dict[str, str]] = field(default_factory=list)  # each call's invocation metadata, in order
    stopping: threading.Event = field(default_factory=threading.Event)

    def answer(self, method: str, request: Any, context: Context) -> None:
        """Record the call, wait `delay`, and abort it when scripted to fail."""
        self.requests.append((method, request))
        self.metadata.append({item.key: item.value for item in context.invocation_metadata()})
        if self.delay and (not self.delay_methods or method in self.delay_methods):
            # An Event, not sleep: stopping the server must not wait out a long delay.
            self.stopping.wait(self.delay)
        if self.fail_with is not None and (not self.fail_methods or method in self.fail_methods):
            context.abort(self.fail_with, self.fail_details)

    def state(self, entity: str, slot: str) -> str | None:
        """Return the scripted value of one memory card slot."""
        if (entity, slot) == ("__profile__", "data"):
            return self.profile_json
        return self.states.get((entity, slot))


class _MemvidServicer(memvid_pb2_grpc.MemvidServiceServicer):
    def __init__(self, fake: FakeMemvid) -> None:
        self.fake = fake

    def Search(self, request: memvid_pb2.SearchRequest, context: Context) -> memvid_pb2.SearchResponse:
        self.fake.answer("Search", request, context)
        hits = self.fake.hits[: request.top_k] if request.top_k else self.fake.hits
        return memvid_pb2.SearchResponse(hits=hits, total_hits=len(self.fake.hits), took_ms=1)

    def Ask(self, request: memvid_pb2.AskRequest, context: Context) -> memvid_pb2.AskResponse:
        self.fake.answer("Ask", request, context)
        return memvid_pb2.AskResponse(answer="", evidence=self.fake.hits[: request.top_k or None])

    def GetState(self, request: memvid_pb2.GetStateRequest, context: Context) -> memvid_pb2.GetStateResponse:
        self.fake.answer("GetState", request, context)
        value = self.fake.state(request.entity, request.slot)
        if value is None:
            return memvid_pb2.GetStateResponse(found=False, entity=request.entity)
        return memvid_pb2.GetStateResponse(found=True, entity=request.entity, slots={request.slot: value})


class _HealthServicer(memvid_pb2_grpc.HealthServicer):
    def __init__(self, fake: FakeMemvid) -> None:
        self.fake = fake

    def Check(self, request: memvid_pb2.HealthCheckRequest, context: Context) -> memvid_pb2.HealthCheckResponse:
        self.fake.answer("Check", request, context)
        statuses = memvid_pb2.HealthCheckResponse
        status = statuses.SERVING if self.fake.serving else statuses.NOT_SERVING
        return memvid_pb2.HealthCheckResponse(
            status=status, frame_count=self.fake.frame_count, memvid_file=self.fake.memvid_file
        )


class FakeMemvidServer:
    """An in-process grpc.server for `fake` on 127.0.0.1; restartable on the same port."""

    def __init__(self, fake: FakeMemvid | None = None) -> None:
        self.fake = fake if fake is not None else FakeMemvid()
        self.port = 0
        self._server: grpc.Server | None = None

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        """Serve (again) on the port of the first start, or a free one the first time."""
        self.fake.stopping.clear()
        # Enough threads for every query of one question at once, as the real (async) service serves them.
        self._executor = futures.ThreadPoolExecutor(max_workers=64)
        server = grpc.server(self._executor)
        memvid_pb2_grpc.add_MemvidServiceServicer_to_server(_MemvidServicer(self.fake), server)
        memvid_pb2_grpc.add_HealthServicer_to_server(_HealthServicer(self.fake), server)
        port = server.add_insecure_port(f"127.0.0.1:{self.port}")
        if port == 0:
            raise RuntimeError(f"cannot bind 127.0.0.1:{self.port}")
        self.port = port
        server.start()
        self._server = server

    def stop(self) -> None:
        """Stop serving now, cutting open connections; `start()` serves again."""
        self.fake.stopping.set()
        if self._server is not None:
            self._server.stop(grace=None).wait()
            self._server = None
            self._executor.shutdown(wait=False)  # grpc.Server.stop leaves the pool's threads alive


def cloud_hits() -> list[memvid_pb2.SearchHit]:
    """The two passages the end-to-end modules ask about, best first."""
    return [hit("Experience — Cloudco", 3.5, "Ran Kubernetes on AWS."), hit("Skills", 2.0, "Go, Python")]


@contextlib.contextmanager
def running_memvid(
    hits: Sequence[memvid_pb2.SearchHit] = (), profile: dict[str, Any] | None = None
) -> Iterator[FakeMemvidServer]:
    """Run a fake memvid service holding `hits` and a `profile` card; stop it on exit."""
    server = FakeMemvidServer()
    server.fake.hits = list(hits)
    server.fake.profile_json = json.dumps(profile) if profile is not None else None
    server.start()
    try:
        yield server
    finally:
        server.stop()


def module_memvid(hits: Sequence[memvid_pb2.SearchHit] = (), profile: dict[str, Any] | None = None) -> Any:
    """A module-scoped `memvid` fixture serving `hits` and `profile`: `memvid = module_memvid(cloud_hits())`."""

    @pytest.fixture(scope="module")
    def memvid() -> Iterator[FakeMemvidServer]:
        with running_memvid(hits, profile) as server:
            yield server

    return memvid


@pytest.fixture
def memvid_server() -> Iterator[FakeMemvidServer]:
    """Run a fake memvid service for one test; yields an object with `.target`, `.fake`, `.stop()`."""
    with running_memvid() as server:
        yield server
