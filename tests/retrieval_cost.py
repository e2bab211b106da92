"""What semantic retrieval costs on the chat path: time of a question that misses the cache, model memory.

    uv run python -m tests.retrieval_cost

Runs the example resume's questions (each once: every one misses the cache) through the
embedded engine with lexical search only and with hybrid search, and reports the median
and 90th percentile; then the resident memory the embedding model adds to a process.
"""

from __future__ import annotations

import logging
import statistics
import time
from pathlib import Path

import structlog

from app.llm.offline import compose_answer
from app.llm.types import AnswerRequest
from app.retrieval.retriever import ResumeRetriever
from app.retrieval.types import LEXICAL, SEMANTIC
from app.text.embedding import Embedder
from tests.retrieval_eval import ModeLimitedBackend, engine, question_sets


def _rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * 4096 / 1e6


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p90 = ordered[int(0.9 * (len(ordered) - 1))]
    return f"median {statistics.median(ordered) * 1000:.0f} ms, p90 {p90 * 1000:.0f} ms"


def main() -> None:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    before = _rss_mb()
    embedder = Embedder()
    embedder.query("warm up")
    print(f"embedding model loaded, one question embedded: +{_rss_mb() - before:.0f} MB resident")

    questions = [q.question for s in question_sets()[:2] for q in s.questions]
    query_times = []
    for question in questions:
        started = time.perf_counter()
        embedder.query(question)  # each question once: never cached
        query_times.append(time.perf_counter() - started)
    print(f"embed one question: {_percentiles(query_times)}")

    example = question_sets()[0].resume
    with engine(example) as backend:
        for label, modes in (("lexical only", (LEXICAL,)), ("hybrid", (LEXICAL, SEMANTIC))):
            retriever = ResumeRetriever(ModeLimitedBackend(backend, modes), top_k=5, profile_ttl=0, health_ttl=0)
            times, answer_times = [], []
            for question in questions:
                started = time.perf_counter()
                found = retriever.retrieve(f"{question} {label}")  # a new cache key every time
                times.append(time.perf_counter() - started)
                request = AnswerRequest(
                    messages=[], question=question, passages=found.passages, searched_words=found.searched_words
                )
                started = time.perf_counter()
                compose_answer(request)
                answer_times.append(time.perf_counter() - started)
            print(f"retrieve, cache miss, {label}: {_percentiles(times)}")
            # The first pass embeds each new sentence; later passes find them in the embedder's cache.
            print(f"offline answer after {label} retrieval: {_percentiles(answer_times)}")
    print(f"process resident memory at the end: {_rss_mb():.0f} MB ({_rss_mb() - before:.0f} MB more than at start)")


if __name__ == "__main__":
    main()
