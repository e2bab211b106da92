"""memvid over gRPC (`memvid.v1`): the Rust memvid service as a `MemvidBackend`.

The boundary where gRPC status codes become project exceptions. Knowing nothing of gevent, it
needs `grpc.experimental.gevent.init_gevent()` first (gunicorn.conf.py), or a slow call blocks.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import grpc
import structlog

from app.errors import RetrievalUnavailable
from app.grpc_gen.memvid.v1 import memvid_pb2
from app.retrieval.circuit import CircuitBreaker
from app.retrieval.grpc_channel import MemvidChannel
from app.retrieval.remote_version import RemoteIndexVersion
from app.retrieval.types import CONTENT_SLOT, INDEX_ENTITY, LEXICAL, SEMANTIC, BackendHealth, Passage
from app.telemetry.metrics import MEMVID_CALLS

log = structlog.get_logger(__name__)

Response = TypeVar("Response")

# Codes that mean "the service is down or overwhelmed": they count against the breaker.
# Any other code (INVALID_ARGUMENT, NOT_FOUND, UNIMPLEMENTED, ...) is an answer from a live
# service, so it closes the breaker even though the caller still sees an error.
OUTAGE_CODES = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.CANCELLED,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.DATA_LOSS,
    }
)


class RetrievalRpcError(RetrievalUnavailable):
    """A failed memvid call; carries the gRPC status code, never the upstream text."""

    def __init__(self, code: grpc.StatusCode) -> None:
        super().__init__()
        self.grpc_code = code
        self.deadline_missed = code is grpc.StatusCode.DEADLINE_EXCEEDED


class GrpcMemvidBackend:
    """Reach the Rust memvid service over one lazily created gRPC channel per process.

    Every call has a deadline (`timeout`) and goes through a circuit breaker, so a dead
    service costs a fast `RetrievalUnavailable` instead of a deadline per request.
    """

    name = "grpc"

    def __init__(self, target: str, *, timeout: float, breaker: CircuitBreaker | None = None) -> None:
        self.target = target
        self.timeout = timeout
        self.breaker = breaker if breaker is not None else CircuitBreaker()
        self._channel = MemvidChannel(target)
        self._semantic_refused = False
        self._version = RemoteIndexVersion(lambda: self.get_state(INDEX_ENTITY, CONTENT_SLOT))

    @property
    def index_version(self) -> str:
        """Return the served index's content digest as last read in the background (`remote_version`)."""
        return self._version.current()

    @property
    def modes(self) -> tuple[str, ...]:
        """Return ("lexical", "semantic") until the service refuses a semantic search, then ("lexical",)."""
        return (LEXICAL,) if self._semantic_refused else (LEXICAL, SEMANTIC)

    def search(self, query: str, *, top_k: int, snippet_chars: int) -> list[Passage]:
        """Search memvid and return the best passage per title, best first.

        A query the engine rejects (INVALID_ARGUMENT, a query-syntax error) returns no
        hits rather than raising: the query is built by `retrieval.query` from user text,
        so a rejection is our escaping bug, and chat should answer without context rather
        than report retrieval as down. It is logged and counted as status
        "invalid_argument". Every other failure raises `RetrievalUnavailable`.
        """
        if not query.strip():
            return []
        # Ask for twice as many: the engine can return one frame twice (title and body matched).
        # The mode is always explicit: the wire default is hybrid, which may embed upstream.
        mode = memvid_pb2.ASK_MODE_LEX
        request = memvid_pb2.SearchRequest(query=query, top_k=top_k * 2, snippet_chars=snippet_chars, mode=mode)
        try:
            response = self._invoke("search", self._channel.stubs().memvid.Search, request, self.timeout)
        except RetrievalRpcError as exc:
            if exc.grpc_code is not grpc.StatusCode.INVALID_ARGUMENT:
                raise
            log.warning("memvid.query_rejected", query_chars=len(query))
            return []
        return _best_per_title(response.hits)[:top_k]

    def semantic_search(self, question: str, *, top_k: int, snippet_chars: int) -> list[Passage]:
        """Ask the service to rank frames by meaning (`mode=ASK_MODE_SEM`, the question as text).

        The service embeds the question itself (this project's `memvid serve` does). A
        service that refuses (any code but an outage) searches lexically only: semantic
        search is then left off for this backend's life, and `modes` says so.
        """
        if self._semantic_refused or not question.strip():
            return []
        mode = memvid_pb2.ASK_MODE_SEM
        request = memvid_pb2.SearchRequest(query=question, top_k=top_k * 2, snippet_chars=snippet_chars, mode=mode)
        try:
            response = self._invoke("search", self._channel.stubs().memvid.Search, request, self.timeout)
        except RetrievalRpcError as exc:
            if exc.grpc_code in OUTAGE_CODES:
                raise
            self._semantic_refused = True
            log.warning("memvid.semantic_refused", code=exc.grpc_code.name)
            return []
        return _best_per_title(response.hits)[:top_k]

    def get_state(self, entity: str, slot: str) -> str | None:
        """Return the value of memory card `entity`/`slot`, or None when it does not exist."""
        request = memvid_pb2.GetStateRequest(entity=entity, slot=slot)
        try:
            response = self._invoke("get_state", self._channel.stubs().memvid.GetState, request, self.timeout)
        except RetrievalRpcError as exc:
            if exc.grpc_code is grpc.StatusCode.NOT_FOUND:
                return None
            raise
        if not response.found:
            return None
        value: str | None = response.slots.get(slot)
        return value

    def health(self, *, timeout: float) -> BackendHealth:
        """Ask memvid's Health service within `timeout`; report failure instead of raising.

        While the breaker is open this answers at once; when a probe is due, this check is
        the probe, so a health poll can bring the breaker back. Missing a deadline shorter than the
        searches' is no outage: a memvid slower than the probe still answers searches.
        """
        try:
            check = self._channel.stubs().health.Check
            response = self._invoke("health", check, memvid_pb2.HealthCheckRequest(), timeout, timeout >= self.timeout)
        except RetrievalUnavailable:
            return BackendHealth(connected=False)
        except Exception:  # a health probe must never take the health endpoint down
            log.exception("memvid.health_check_failed")
            return BackendHealth(connected=False)
        return BackendHealth(
            connected=response.status == memvid_pb2.HealthCheckResponse.SERVING,
            frame_count=response.frame_count,
            source=response.memvid_file,
        )

    def close(self) -> None:
        """Close the channel; a later call opens a new one."""
        self._channel.close()

    def _invoke(
        self, method: str, rpc: Callable[..., Response], request: Any, timeout: float, slow_is_outage: bool = True
    ) -> Response:
        """Make one call through the breaker with a deadline, recording its duration and outcome."""
        started = time.perf_counter()
        if not self.breaker.allow():
            _observe(method, "circuit_open", started)
            raise RetrievalUnavailable(retry_after=self.breaker.retry_after)
        try:
            response = rpc(request, timeout=timeout)
        except grpc.RpcError as exc:
            code = exc.code() if isinstance(exc, grpc.Call) else grpc.StatusCode.UNKNOWN
            _observe(method, code.name.lower(), started)
            # A health poll missing its shorter deadline counts as neither (a slow memvid opened the breaker).
            if code in OUTAGE_CODES and (slow_is_outage or code is not grpc.StatusCode.DEADLINE_EXCEEDED):
                self.breaker.record_failure()
            elif code not in OUTAGE_CODES:
                self.breaker.record_success()
            # `from None`: the RpcError's details are upstream text and must not travel on.
            raise RetrievalRpcError(code) from None
        _observe(method, "ok", started)
        self.breaker.record_success()
        return response


def _best_per_title(hits: Iterable[memvid_pb2.SearchHit]) -> list[Passage]:
    """Keep the best-scoring hit for each title, best first."""
    best: dict[str, Passage] = {}
    for hit in hits:
        key = hit.title or hit.snippet
        if key not in best or hit.score > best[key].score:
            best[key] = Passage(title=hit.title, text=hit.snippet, score=hit.score, tags=tuple(hit.tags))
    return sorted(best.values(), key=lambda passage: passage.score, reverse=True)


def _observe(method: str, status: str, started: float) -> None:
    MEMVID_CALLS.labels(method=method, status=status).observe(time.perf_counter() - started)
