"""The memvid engine in-process (memvid-sdk, Rust core) reading a `.mv2` file read-only.

The embedded default of SPEC §2: no service to run. With `build_from`, the file is built
from that markdown on first use (`app.retrieval.example_index`).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import structlog

from app.errors import RetrievalUnavailable
from app.resume.engine import card_value, memvid_sdk
from app.retrieval import sentence_vectors
from app.retrieval.engine_hits import engine_passages, written_texts
from app.retrieval.example_index import embedding_model, ensure_example_index
from app.retrieval.expansions import with_synonyms
from app.retrieval.fusion import reciprocal_rank_fusion
from app.retrieval.types import FRAME_TEXTS_SLOT, INDEX_ENTITY, LEXICAL, SEMANTIC, BackendHealth, Passage
from app.telemetry import tracing
from app.text.embedding import Embedder, shared_embedder

log = structlog.get_logger(__name__)
T = TypeVar("T")

# Frames a semantic search ranks by their best sentence: nearly all of a resume's. Of 10, 15, 20 and 30,
# 20 and 30 put the most answering frames among five on the tuning sets' paraphrases; 20 reads fewer.
SEMANTIC_CANDIDATES = 20


class _QueryRejected(Exception):
    """The engine refused this query; for the caller that means no hits."""


class EmbeddedMemvidBackend:
    """A `MemvidBackend` over a local `.mv2` file, opened lazily and reopened when replaced."""

    name = "embedded"

    def __init__(self, path: Path, *, build_from: Path | None = None, embedder: Embedder | None = None) -> None:
        self.path = Path(path)
        # The bundled example is built under a file lock by gunicorn's prebuild child, else
        # here on first use: never in create_app (which writes no files) nor in a process that
        # forks afterwards (one that ran native engine code and then forked can hang).
        self.build_from = build_from
        self.embedder = embedder or shared_embedder()
        # One engine call at a time: the handle is not documented as thread-safe.
        self._lock = threading.Lock()
        self._memory: Any = None
        self._opened_as: tuple[int, ...] = ()
        self._semantic = False
        self._sentence_vectors: dict[str, np.ndarray] = {}
        self._hubs: dict[str, float] = {}
        self._written: dict[str, str] = {}  # each frame's text with its line breaks (`engine_hits`)
        self._version = ""

    @property
    def modes(self) -> tuple[str, ...]:
        """Return the search modes the open file supports (semantic needs vectors from our model)."""
        if not self._is_open():
            return ()
        return (LEXICAL, SEMANTIC) if self._semantic else (LEXICAL,)

    @property
    def index_version(self) -> str:
        """Return a digest of the open file's content ("" when it cannot be opened): of the content,
        not the inode, so workers and hosts serving the same resume share Redis cache entries."""
        return self._version if self._is_open() else ""

    def _is_open(self) -> bool:
        """Open the file, or again when replaced; False when it cannot be. A stat when unchanged (no span)."""
        try:
            with self._lock:
                self._handle()
        except (memvid_sdk.MemvidError, OSError, RuntimeError):
            return False
        return True

    def search(self, query: str, *, top_k: int, snippet_chars: int) -> list[Passage]:
        """Search the lexical index; best passage per frame, best first. A rejected query finds nothing."""
        if not query.strip() or top_k < 1:
            return []
        # Over-fetch: memvid returns one hit per matching slice, so a frame can appear twice.
        try:
            result = self._call(
                lambda memory: memory.find(query, k=top_k * 3, snippet_chars=snippet_chars, mode="lex"), query=True
            )
        except _QueryRejected:
            log.debug("memvid.query_rejected", query_chars=len(query))
            return []
        return engine_passages(result.get("hits") or [], top_k, self._written, snippet_chars)

    def semantic_search(self, question: str, *, top_k: int, snippet_chars: int) -> list[Passage]:
        """Rank frames by meaning, best first; [] without vectors. Two rankings, fused: memvid's nearest
        frame vectors, and the same candidates by their sentence closest to the question less their
        hubness (`sentence_vectors`; when the file holds sentence vectors)."""
        if not question.strip() or top_k < 1 or SEMANTIC not in self.modes:
            return []
        # Embedded outside the engine lock (other greenlets' lexical queries run), with its words' synonyms.
        vector = self.embedder.question(question, expanded=with_synonyms(question))
        wanted = max(top_k, SEMANTIC_CANDIDATES)
        result = self._call(
            lambda memory: memory.find(
                question, k=wanted * 3, snippet_chars=snippet_chars, mode="sem", query_embedding=vector.tolist()
            )
        )
        frames = engine_passages(result.get("hits") or [], wanted, self._written, snippet_chars)
        by_sentence = sentence_vectors.rank_by_best_sentence(vector, frames, self._sentence_vectors, self._hubs)
        if not by_sentence:
            return frames[:top_k]
        return [passage for passage, _ in reciprocal_rank_fusion([frames, by_sentence])[:top_k]]

    def get_state(self, entity: str, slot: str) -> str | None:
        """Return the value of memory card `entity`/`slot`, or None when there is none."""
        return self._call(lambda memory: card_value(memory, entity, slot))

    def health(self, *, timeout: float) -> BackendHealth:
        """Report whether the file opens and how many frames it holds; an engine busy longer than
        `timeout` (a first build of the bundled example takes seconds) is reported unavailable."""
        try:
            stats = self._call(lambda memory: memory.stats(), wait=timeout)
        except RetrievalUnavailable:
            return BackendHealth(connected=False, source=str(self.path))
        frames = stats.get("active_frame_count", stats.get("frame_count", 0))
        return BackendHealth(connected=True, frame_count=int(frames or 0), source=str(self.path))

    def close(self) -> None:
        """Close the file handle; a later call opens it again."""
        with self._lock:
            self._close_handle()

    def _call(self, operation: Callable[[Any], T], *, query: bool = False, wait: float = -1) -> T:
        """Run `operation` on the open file, alone; `wait` bounds the wait for the engine (-1: none)."""
        with tracing.child_span("memvid.engine", {"memvid.backend": self.name}):
            if not self._lock.acquire(timeout=wait):
                raise RetrievalUnavailable()
            try:
                return operation(self._handle())
            except memvid_sdk.MemvidError as error:
                if query and _is_query_error(error):
                    raise _QueryRejected() from error
                self._close_handle()
                raise RetrievalUnavailable() from error
            except (OSError, RuntimeError) as error:
                self._close_handle()
                raise RetrievalUnavailable() from error
            finally:
                self._lock.release()

    def _handle(self) -> Any:
        if self._memory is None and self.build_from is not None:
            ensure_example_index(self.build_from, self.path)
        # A rebuilt file is a new inode (os.replace); a forked worker needs its own handle.
        stat = self.path.stat()
        identity = (os.getpid(), stat.st_ino, stat.st_mtime_ns, stat.st_size)
        if self._memory is not None and identity == self._opened_as:
            return self._memory
        self._close_handle()
        memory = memvid_sdk.use("basic", str(self.path), read_only=True)
        if not memory.stats().get("has_lex_index"):
            memory.close()
            raise RuntimeError(f"{self.path} has no lexical index")
        self._memory, self._opened_as = memory, identity
        self._version = _digest(self.path)
        self._semantic = embedding_model(memory) == self.embedder.identity
        self._sentence_vectors, self._hubs = {}, {}
        self._written = written_texts(card_value(memory, INDEX_ENTITY, FRAME_TEXTS_SLOT))
        if self._semantic:
            self._sentence_vectors, by_text = sentence_vectors.read(memory, self.embedder.identity)
            self._hubs = sentence_vectors.hubness(self._sentence_vectors)
            self.embedder.remember_passages(by_text)  # the offline answerer ranks these same sentences
        if not self._semantic:
            log.warning("memvid.no_semantic_index", path=str(self.path), hint="re-ingest the resume")
        log.info("memvid.opened", path=str(self.path), semantic=self._semantic)
        return memory

    def _close_handle(self) -> None:
        memory, self._memory, self._opened_as = self._memory, None, ()
        if memory is not None:
            memory.close()


def _digest(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()[:16]


def _is_query_error(error: Exception) -> bool:
    # MV999 is a query the parser refused. MV004 ("lexical index is not enabled") is what
    # memvid 2.0.x raises when tantivy matched a word's stem but the literal word is not in
    # the frame (e.g. "salaries" vs "salary"): it falls back to a legacy index our files
    # do not have. `_handle` checked the file has a lexical index, so here it means no hits.
    return isinstance(error, memvid_sdk.LexIndexDisabledError) or str(error).startswith("MV999")
