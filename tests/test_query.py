"""From a recruiter's question to engine queries, and the fusion of what they find."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from app.errors import RetrievalUnavailable
from app.retrieval.query import MAX_TERMS, Term, fuse_rankings, query_terms, search_passages, term_queries
from app.retrieval.types import BackendHealth, Passage

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


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("What experience does she have with Kubernetes?", ["kubernetes"]),
        ('"Kubernetes" AND (AWS) OR [cloud]: k8s* -java +go ~x^2 \\ / || && !', ["kubernetes", "aws", "cloud", "k8s"]),
        ("title:secret NOT remote", ["title", "secret", "remote"]),
        ("Ist sie in İstanbul? 東京で働けますか 😀", ["ist", "sie", "istanbul", "東京で働けますか"]),
        ("kubernetes KUBERNETES Kubernetes", ["kubernetes"]),
        ("snake_case", ["snake", "case"]),
    ],
)
def test_query_terms_keep_content_words_only(question, words):
    assert [term.word for term in query_terms(question)][: len(words)] == words


@pytest.mark.parametrize("question", ["", "   ", "What do you have?", "?!*:()[]{}", "AND OR NOT", "a b c 😀"])
def test_a_question_without_content_words_searches_nothing(question):
    backend = ScriptedBackend()

    assert search_passages(backend, question, top_k=5, snippet_chars=100) == []
    assert backend.queries == []


def test_long_questions_are_capped():
    question = " ".join(f"word{n}" for n in range(50))

    assert len(query_terms(question)) == MAX_TERMS


def test_forms_cover_plurals_and_recruiter_synonyms():
    [salaries] = query_terms("salaries")
    [earn] = query_terms("earn")

    assert salaries.forms[:2] == ("salaries", "salary")
    assert "salary" in earn.forms


def test_term_queries_are_each_form_then_the_salted_union():
    term = Term("salaries", ("salaries", "salary"))

    assert term_queries(term) == ["salaries", "salary", "salaries OR salary OR zqxj"]
    assert term_queries(Term("kafka", ("kafka",))) == ["kafka", "kafka OR zqxj"]


def test_every_query_sent_is_plain_words():
    backend = ScriptedBackend()

    search_passages(backend, 'Has she "led" (teams)? AND k8s: OR NOT -x *y* title:z', top_k=5, snippet_chars=100)

    assert backend.queries
    assert all(SAFE_QUERY.match(query) for query in backend.queries), backend.queries


def test_a_frame_matching_more_words_ranks_first():
    backend = ScriptedBackend(
        answers={
            "kubernetes": [passage("Skills"), passage("Northwind")],
            "aws": [passage("Brightwater"), passage("Northwind")],
        }
    )

    titles = [p.title for p in search_passages(backend, "kubernetes on aws", top_k=3, snippet_chars=100)]

    assert titles[0] == "Northwind"
    assert set(titles) == {"Northwind", "Skills", "Brightwater"}


def test_a_word_in_the_title_or_tags_lifts_a_frame():
    ranking = [passage("Summary"), passage("Education"), passage("Quillmark — Engineer", tags=("healthcare",))]
    backend = ScriptedBackend(answers={"education": ranking, "healthcare": ranking[2:]})

    assert search_passages(backend, "education", top_k=1, snippet_chars=100)[0].title == "Education"
    assert search_passages(backend, "healthcare", top_k=1, snippet_chars=100)[0].title == "Quillmark — Engineer"


def test_results_are_one_per_title_and_at_most_top_k():
    backend = ScriptedBackend(answers={"go": [passage(f"Frame {n}") for n in range(8)]})

    passages = search_passages(backend, "go go go", top_k=4, snippet_chars=100)

    assert [p.title for p in passages] == ["Frame 0", "Frame 1", "Frame 2", "Frame 3"]


def test_fusion_keeps_the_snippet_of_the_best_placed_hit():
    early = Passage("Skills", "early snippet", 2.0)
    late = Passage("Skills", "late snippet", 9.0)
    term = Term("x", ("x",))

    [fused] = fuse_rankings([(term, [passage("Other"), late]), (term, [early])])[:1]

    assert fused.title == "Skills"
    assert fused.text == "early snippet"


def test_retrieval_unavailable_propagates():
    backend = ScriptedBackend(available=False)

    with pytest.raises(RetrievalUnavailable):
        search_passages(backend, "kubernetes", top_k=5, snippet_chars=100)
