"""ResumeRetriever's cache of passages per question (app/retrieval/retriever.py)."""

from __future__ import annotations

import pytest

from app.retrieval.retriever import ResumeRetriever
from tests.fakes import FakeClock as Clock
from tests.fakes import FakeMemvid


@pytest.fixture
def clock() -> Clock:
    return Clock(0.0)


def retriever(memvid: FakeMemvid, clock: Clock, ttl: float = 60.0) -> ResumeRetriever:
    return ResumeRetriever(memvid, top_k=5, profile_ttl=60, health_ttl=3, passages_ttl=ttl, timer=clock)


def retrieval_stats(subject: ResumeRetriever) -> tuple[int, int]:
    stats = subject.caches()["retrieval"].stats()
    return stats.hits, stats.misses


def test_questions_with_the_same_words_share_one_search(fake_memvid, clock):
    subject = retriever(fake_memvid, clock)

    first = subject.retrieve("What about Kubernetes?").passages
    searches = len(fake_memvid.queries)
    again = subject.retrieve("  what ABOUT kubernetes ").passages

    assert again == first
    assert first
    assert len(fake_memvid.queries) == searches
    assert retrieval_stats(subject) == (1, 1)


def test_other_words_search_again(fake_memvid, clock):
    subject = retriever(fake_memvid, clock)

    subject.retrieve("Kubernetes?")
    searches = len(fake_memvid.queries)
    subject.retrieve("Terraform?")

    assert len(fake_memvid.queries) > searches
    assert retrieval_stats(subject) == (0, 2)


def test_entries_expire(fake_memvid, clock):
    subject = retriever(fake_memvid, clock, ttl=60)

    subject.retrieve("Kubernetes?")
    searches = len(fake_memvid.queries)
    clock.now = 61
    subject.retrieve("Kubernetes?")

    assert len(fake_memvid.queries) == 2 * searches


def test_an_unavailable_memvid_is_not_remembered(fake_memvid, clock):
    subject = retriever(fake_memvid, clock)
    fake_memvid.available = False

    assert subject.retrieve("Kubernetes?").passages == ()

    fake_memvid.available = True
    assert subject.retrieve("Kubernetes?").passages != ()


def test_ttl_zero_always_asks_memvid(fake_memvid, clock):
    subject = retriever(fake_memvid, clock, ttl=0)

    subject.retrieve("Kubernetes?")
    searches = len(fake_memvid.queries)
    subject.retrieve("Kubernetes?")

    assert len(fake_memvid.queries) == 2 * searches


def test_a_backend_without_semantic_search_reports_lexical_only(fake_memvid, clock):
    subject = retriever(fake_memvid, clock)

    found = subject.retrieve("Kubernetes?")

    assert subject.modes == ("lexical",)
    assert found.modes == ("lexical",)
    assert "kubernetes" in found.searched_words


def test_an_unavailable_memvid_finds_nothing_and_runs_no_mode(fake_memvid, clock):
    fake_memvid.available = False

    found = retriever(fake_memvid, clock).retrieve("Kubernetes?")

    assert found.passages == ()
    assert found.modes == ()


def test_once_memvid_missed_a_deadline_only_the_cache_answers(fake_memvid, clock):
    # The profile lookup of the same question already waited out memvid: a second wait is not paid.
    subject = retriever(fake_memvid, clock)
    cached = subject.retrieve("Kubernetes?").passages
    searches = len(fake_memvid.queries)

    assert subject.retrieve("Kubernetes?", ask_memvid=False).passages == cached
    assert subject.retrieve("Terraform?", ask_memvid=False).passages == ()
    assert len(fake_memvid.queries) == searches
