"""One question's search: lexical and semantic queries at once, fused by frame."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

import gevent
import pytest

from app.errors import RetrievalUnavailable
from app.retrieval.fusion import RRF_K, reciprocal_rank_fusion
from app.retrieval.hybrid import SEMANTIC_WEIGHT, hybrid_search
from app.retrieval.overview_questions import SUMMARY_PROBES
from app.retrieval.query import lookup_queries
from app.retrieval.types import LEXICAL, SEMANTIC, BackendHealth, Passage

# What may reach the engine: words of letters and digits joined by " OR ".
SAFE_QUERY = re.compile(r"^[^\W_]+( OR [^\W_]+)*$")


@dataclass
class ScriptedBackend:
    """A MemvidBackend answering by the words in each query; records every query."""

    answers: dict[str, list[Passage]] = field(default_factory=dict)  # word -> passages
    queries: list[str] = field(default_factory=list)
    available: bool = True
    name: str = "scripted"

    def search(self, query: str, *, top_k: int, snippet_chars: int) -> list[Passage]:
        if not self.available:
            raise RetrievalUnavailable()
        self.queries.append(query)
        found = [p for word in query.split(" OR ") for p in self.answers.get(word, [])]
        return found[:top_k]

    def get_state(self, entity: str, slot: str) -> str | None:
        return None

    def health(self, *, timeout: float) -> BackendHealth:
        return BackendHealth(connected=self.available)

    def close(self) -> None:
        return None


def passage(title: str, score: float = 1.0, tags: tuple[str, ...] = ()) -> Passage:
    return Passage(title=title, text=f"text of {title}", score=score, tags=tags)


def search(backend: object, question: str, *, top_k: int, snippet_chars: int) -> list[Passage]:
    return list(hybrid_search(backend, question, top_k=top_k, snippet_chars=snippet_chars).passages)  # type: ignore[arg-type]


@pytest.mark.parametrize("question", ["", "   ", "What do you have?", "?!*:()[]{}", "AND OR NOT", "a b c 😀"])
def test_a_question_without_content_words_searches_nothing(question):
    backend = ScriptedBackend()

    assert search(backend, question, top_k=5, snippet_chars=100) == []
    assert backend.queries == []


def test_every_query_sent_is_plain_words():
    backend = ScriptedBackend()

    search(backend, 'Has she "led" (teams)? AND k8s: OR NOT -x *y* title:z', top_k=5, snippet_chars=100)

    assert backend.queries
    assert all(SAFE_QUERY.match(query) for query in backend.queries), backend.queries


def test_a_frame_matching_more_words_ranks_first():
    backend = ScriptedBackend(
        answers={
            "kubernetes": [passage("Skills"), passage("Northwind")],
            "aws": [passage("Brightwater"), passage("Northwind")],
        }
    )

    titles = [p.title for p in search(backend, "kubernetes on aws", top_k=3, snippet_chars=100)]

    assert titles[0] == "Northwind"
    assert set(titles) == {"Northwind", "Skills", "Brightwater"}


def test_a_word_in_the_title_or_tags_lifts_a_frame():
    ranking = [passage("Summary"), passage("Education"), passage("Quillmark — Engineer", tags=("healthcare",))]
    backend = ScriptedBackend(answers={"education": ranking, "healthcare": ranking[2:]})

    assert search(backend, "education", top_k=1, snippet_chars=100)[0].title == "Education"
    assert search(backend, "healthcare", top_k=1, snippet_chars=100)[0].title == "Quillmark — Engineer"


def test_results_are_one_per_title_and_at_most_top_k():
    backend = ScriptedBackend(answers={"go": [passage(f"Frame {n}") for n in range(8)]})

    passages = search(backend, "go go go", top_k=4, snippet_chars=100)

    assert [p.title for p in passages] == ["Frame 0", "Frame 1", "Frame 2", "Frame 3"]


def test_retrieval_unavailable_propagates_once_without_a_stack_trace_per_query(capfd):
    backend = ScriptedBackend(available=False)

    with pytest.raises(RetrievalUnavailable):
        hybrid_search(backend, "kubernetes and terraform", top_k=5, snippet_chars=100)

    assert "Traceback" not in capfd.readouterr().err  # gevent prints the trace of a greenlet that dies


@dataclass
class SemanticScriptedBackend(ScriptedBackend):
    """A ScriptedBackend that also ranks by meaning, with a delay per call (cooperative)."""

    meaning: list[Passage] = field(default_factory=list)
    delay: float = 0.0
    modes: tuple[str, ...] = (LEXICAL, SEMANTIC)
    semantic_questions: list[str] = field(default_factory=list)

    def search(self, query: str, *, top_k: int, snippet_chars: int) -> list[Passage]:
        gevent.sleep(self.delay)
        return super().search(query, top_k=top_k, snippet_chars=snippet_chars)

    def semantic_search(self, question: str, *, top_k: int, snippet_chars: int) -> list[Passage]:
        gevent.sleep(self.delay)
        self.semantic_questions.append(question)
        return self.meaning[:top_k]


def test_semantic_and_lexical_rankings_are_fused_by_frame():
    backend = SemanticScriptedBackend(
        answers={"pay": [passage("Skills"), passage("Salary")]},
        meaning=[passage("Salary"), passage("Summary")],
    )

    found = hybrid_search(backend, "What is her pay?", top_k=3, snippet_chars=100)

    # Found by both first; then meaning's second before the lexical-only frame: the semantic
    # ranking weighs more in the fusion.
    assert [p.title for p in found.passages] == ["Salary", "Summary", "Skills"]
    assert found.modes == (LEXICAL, SEMANTIC)
    assert backend.semantic_questions == ["What is her pay?"]


def test_scores_run_from_one_for_first_everywhere_down():
    backend = SemanticScriptedBackend(
        answers={"pay": [passage("Salary")]}, meaning=[passage("Salary"), passage("Other")]
    )

    scores = [p.score for p in hybrid_search(backend, "pay", top_k=2, snippet_chars=100).passages]

    assert scores[0] == 1.0
    # "Other" is second in one ranking only: its share of a frame first in both.
    second_by_meaning = SEMANTIC_WEIGHT / (RRF_K + 2)
    first_in_both = (1 + SEMANTIC_WEIGHT) / (RRF_K + 1)
    assert scores[1] == pytest.approx(second_by_meaning / first_in_both, abs=1e-4)


def test_searched_words_are_the_forms_of_the_content_words():
    found = hybrid_search(ScriptedBackend(), "What do recruiters earn?", top_k=5, snippet_chars=100)

    assert found.searched_words[:2] == ("recruiters", "recruiter")
    assert "salary" in found.searched_words
    assert found.modes == (LEXICAL,)


def test_a_question_without_content_words_still_searches_by_meaning():
    backend = SemanticScriptedBackend(meaning=[passage("Summary")])

    found = hybrid_search(backend, "Who is she?", top_k=5, snippet_chars=100)

    assert [p.title for p in found.passages] == ["Summary"]
    # No word of hers: only the lookups of the summary she asks for, by its usual headings.
    assert sorted(backend.queries) == sorted(lookup_queries(SUMMARY_PROBES))


def test_a_backend_without_vectors_searches_lexically_only():
    backend = SemanticScriptedBackend(answers={"go": [passage("Skills")]}, meaning=[passage("Other")], modes=(LEXICAL,))

    found = hybrid_search(backend, "go", top_k=5, snippet_chars=100)

    assert [p.title for p in found.passages] == ["Skills"]
    assert backend.semantic_questions == []


def test_all_calls_of_a_question_are_in_flight_at_once():
    backend = SemanticScriptedBackend(delay=0.3)
    question = "kubernetes terraform python golang kafka airflow"  # 6 terms: many calls
    started = time.monotonic()

    hybrid_search(backend, question, top_k=5, snippet_chars=100)

    assert len(backend.queries) > 12
    assert time.monotonic() - started < 0.6


def test_a_weighted_ranking_counts_that_many_times():
    lexical = [passage("A"), passage("B")]
    semantic = [passage("B"), passage("A")]

    even = [p.title for p, _ in reciprocal_rank_fusion([lexical, semantic])]
    weighted = reciprocal_rank_fusion([lexical, semantic], [1.0, 2.0])

    assert even == ["A", "B"]  # a tie, won by the better single rank (first listed)
    assert [p.title for p, _ in weighted] == ["B", "A"]
    assert weighted[0][1] == pytest.approx(1 / (RRF_K + 2) + 2 / (RRF_K + 1))
