"""The `memvid.v1` services answered from any `MemvidBackend`: search, memory cards, health.

Served by `app.retrieval.grpc_server`; backend errors become gRPC status codes here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

import grpc
import structlog

from app.errors import RetrievalUnavailable
from app.grpc_gen.memvid.v1 import memvid_pb2, memvid_pb2_grpc
from app.retrieval.types import SEMANTIC, MemvidBackend, Passage, SemanticBackend

log = structlog.get_logger(__name__)

Result = TypeVar("Result")

# proto3 cannot tell 0 from "not set": treat 0 as "use the default", as the Rust service does.
DEFAULT_TOP_K = 10
DEFAULT_SNIPPET_CHARS = 480
MAX_HEALTH_SECONDS = 5.0


class MemvidServicer(memvid_pb2_grpc.MemvidServiceServicer):
    """Answer `memvid.v1.MemvidService` from a backend."""

    def __init__(self, backend: MemvidBackend, lock: threading.Lock | None = None) -> None:
        self._backend = backend
        # The backend protocol promises no thread safety (the embedded engine is one Rust
        # handle); serialise calls, they take milliseconds.
        self._lock = lock or threading.Lock()

    def Search(self, request: memvid_pb2.SearchRequest, context: grpc.ServicerContext) -> memvid_pb2.SearchResponse:
        """Search the backend and map its passages to hits.

        `ASK_MODE_SEM` ranks by meaning (the query is the question's text, embedded here);
        any other mode searches lexically. A backend without vectors refuses semantic
        search with FAILED_PRECONDITION, and the client falls back to lexical.
        """
        if request.top_k < 0 or request.snippet_chars < 0:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "top_k and snippet_chars must not be negative")
        if not request.query.strip():
            return memvid_pb2.SearchResponse()
        started = time.perf_counter()
        top_k, chars = request.top_k or DEFAULT_TOP_K, request.snippet_chars or DEFAULT_SNIPPET_CHARS
        search: Callable[[], list[Passage]] = lambda: self._backend.search(  # noqa: E731
            request.query, top_k=top_k, snippet_chars=chars
        )
        if request.mode == memvid_pb2.ASK_MODE_SEM:
            backend = self._backend
            if not isinstance(backend, SemanticBackend) or SEMANTIC not in backend.modes:
                context.abort(grpc.StatusCode.FAILED_PRECONDITION, "semantic search is not available")
                raise AssertionError("unreachable: abort raises")
            search = lambda: backend.semantic_search(request.query, top_k=top_k, snippet_chars=chars)  # noqa: E731
        passages = _guarded(context, self._lock, search)
        hits = [
            memvid_pb2.SearchHit(title=p.title, score=p.score, snippet=p.text, tags=list(p.tags))
            for p in passages
            if request.min_relevance <= 0 or p.score >= request.min_relevance
        ]
        took_ms = round((time.perf_counter() - started) * 1000)
        return memvid_pb2.SearchResponse(hits=hits, total_hits=len(hits), took_ms=took_ms)

    def GetState(
        self, request: memvid_pb2.GetStateRequest, context: grpc.ServicerContext
    ) -> memvid_pb2.GetStateResponse:
        """Return memory card `entity`/`slot`, with `found=false` when it does not exist."""
        if not request.entity or not request.slot:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "entity and slot are required")
        value = _guarded(context, self._lock, lambda: self._backend.get_state(request.entity, request.slot))
        if value is None:
            return memvid_pb2.GetStateResponse(found=False, entity=request.entity)
        return memvid_pb2.GetStateResponse(found=True, entity=request.entity, slots={request.slot: value})

    def Ask(self, request: memvid_pb2.AskRequest, context: grpc.ServicerContext) -> memvid_pb2.AskResponse:
        """Refuse: answering is this API's job, not the engine's."""
        context.abort(grpc.StatusCode.UNIMPLEMENTED, "Ask is not served here; use Search")
        raise AssertionError("unreachable: abort raises")


class HealthServicer(memvid_pb2_grpc.HealthServicer):
    """Answer `memvid.v1.Health` from the backend's own health report."""

    def __init__(self, backend: MemvidBackend, lock: threading.Lock | None = None) -> None:
        self._backend = backend
        self._lock = lock or threading.Lock()

    def Check(
        self, request: memvid_pb2.HealthCheckRequest, context: grpc.ServicerContext
    ) -> memvid_pb2.HealthCheckResponse:
        """Report SERVING with the frame count and file when the backend answers."""
        remaining = context.time_remaining()
        timeout = MAX_HEALTH_SECONDS if remaining is None else max(0.0, min(remaining, MAX_HEALTH_SECONDS))
        health = _guarded(context, self._lock, lambda: self._backend.health(timeout=timeout))
        if not health.connected:
            return memvid_pb2.HealthCheckResponse(status=memvid_pb2.HealthCheckResponse.NOT_SERVING)
        return memvid_pb2.HealthCheckResponse(
            status=memvid_pb2.HealthCheckResponse.SERVING, frame_count=health.frame_count, memvid_file=health.source
        )


def _guarded(context: grpc.ServicerContext, lock: threading.Lock, call: Callable[[], Result]) -> Result:
    """Run a backend call, turning project errors into gRPC status codes."""
    code, detail = grpc.StatusCode.INTERNAL, "internal error"
    try:
        with lock:
            return call()
    except RetrievalUnavailable:
        code, detail = grpc.StatusCode.UNAVAILABLE, "the memvid engine is unavailable"
    except ValueError:
        code, detail = grpc.StatusCode.INVALID_ARGUMENT, "the engine rejected the request"
    except Exception:
        log.exception("memvid_grpc_backend_failed")
    # Outside the except blocks: abort raises, and its exception must not be caught above.
    context.abort(code, detail)
    raise AssertionError("unreachable: abort raises")
