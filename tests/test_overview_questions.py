"""A question asking who the candidate is, in general ("Tell me about her", "Elevator pitch?"), gets
the resume's opening summary among its passages, and the offline answer quotes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import EXAMPLE_RESUME
from app.llm.offline import compose_answer
from app.llm.types import AnswerRequest
from app.retrieval.hybrid import hybrid_search
from app.retrieval.overview_questions import SUMMARY_PROBES, is_summary
from app.retrieval.query import lookup_queries
from app.retrieval.standard_questions import ASKED_FRAME_PLACE, frames_asked_for
from app.retrieval.types import Passage
from tests.blind_questions import assert_read
from tests.fakes import FakeMemvid
from tests.retrieval_eval import engine

SUMMARY = Passage("Summary", "Platform engineer with eight years of Kubernetes in production.", 1.0)
FAQ = [Passage(f"Would she do task {n}?", f"Yes, task {n} suits her.", 1.0) for n in range(1, 7)]


def _asked(question: str) -> str:
    return "overview" if any(frame.name == "summary" for frame in frames_asked_for(question)) else "none"


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("Tell me about her.", "overview"),
        ("Brief me on him.", "overview"),
        ("So who exactly is she? Just landed here.", "overview"),
        ("What do I need to know about her before I call her?", "overview"),  # no phone number asked
        ("What's her story about the migration?", "none"),
        ("who r u", "overview"),
        ("Sell me on her for the CFO job.", "none"),  # one role named
        ("Tell me about her experience managing people.", "none"),
        ("Who is he?", "overview"),
        ("Give me an overview of the candidate.", "overview"),
        ("What's her background?", "overview"),
        ("Elevator pitch?", "overview"),
        ("Why should we hire him?", "overview"),
        ("Walk me through her career.", "overview"),
        # Narrowed to one topic, or the same words in other senses: left alone.
        ("Tell me about her Python work.", "none"),
        ("What's her educational background?", "none"),
        ("Who is her manager?", "none"),
        ("Summarise her time at Acme.", "none"),
        ("Did she introduce a new rota?", "none"),
        ("Is her LinkedIn profile up to date?", "none"),
        ("Give me an overview of her experience with Terraform.", "none"),
        ("Who is she working for now?", "none"),
        ("Give me a summary of her last role.", "none"),
        ("What do I need to know about her notice period?", "none"),
    ],
)
def test_questions_asking_who_the_candidate_is(question: str, asked: str) -> None:
    assert _asked(question) == asked


@pytest.mark.parametrize(
    ("title", "summary"),
    [
        ("Summary", True),
        ("Professional Summary (part 2 of 3)", True),
        ("About Me", True),
        ("Candidate Profile", False),  # the front matter's frame: contact lines, not a summary
        ("Skills — Strong", False),
        ("Summary of the Thesis", False),
    ],
)
def test_the_opening_summary_is_known_by_its_usual_headings(title: str, summary: bool) -> None:
    assert is_summary(title) is summary


@pytest.mark.parametrize(
    ("file", "at_least", "left_alone"),
    # Floors a question or two under the figures measured (see each file's header).
    [
        ("overview_questions_tuning.yaml", 0.95, 0.98),
        ("overview_questions_held_out.yaml", 0.70, 0.96),
        ("overview_questions_tuning_2.yaml", 0.95, 0.95),
        ("overview_questions_held_out_2.yaml", 0.78, 0.93),
        ("overview_questions_tuning_3.yaml", 0.93, 0.97),
        ("overview_questions_held_out_3.yaml", 0.83, 0.93),
    ],
)
def test_blind_writers_questions_asking_who_the_candidate_is(file: str, at_least: float, left_alone: float) -> None:
    assert_read(file, _asked, "overview", at_least, left_alone)


class _SummaryUnranked(FakeMemvid):
    """A lexical engine whose searches never rank the summary, which its heading's word finds."""

    def search(self, query: str, *, top_k: int, snippet_chars: int) -> list[Passage]:
        self.queries.append(query)
        return [SUMMARY] if query == "summary" else FAQ[:top_k]


def test_the_summary_neither_search_ranks_is_looked_up_and_given_third() -> None:
    found = hybrid_search(_SummaryUnranked(), "Walk me through her career.", top_k=5, snippet_chars=200)

    assert found.passages[ASKED_FRAME_PLACE - 1].title == "Summary"
    assert len(found.passages) == 5


def test_a_question_with_no_word_to_search_still_finds_the_summary() -> None:
    backend = _SummaryUnranked()

    found = hybrid_search(backend, "Tell me about her.", top_k=5, snippet_chars=200)

    # The lookups alone, one per usual heading: "tell", "me", "about", "her" are no words to search.
    assert sorted(backend.queries) == sorted(lookup_queries(SUMMARY_PROBES))
    assert [passage.title for passage in found.passages] == ["Summary"]


@pytest.mark.parametrize("heading", ["About Me", "Personal Statement"])
def test_a_summary_under_another_usual_heading_is_found_by_it(tmp_path: Path, heading: str) -> None:
    # Looked up by the word "summary" alone, neither search ranked such a summary for most of these.
    source = tmp_path / "resume.md"
    source.write_text(EXAMPLE_RESUME.read_text(encoding="utf-8").replace("\n## Summary\n", f"\n## {heading}\n", 1))
    questions = ["Who is she?", "Tell me about her.", "Elevator pitch?", "Give me the gist of this candidate."]
    with engine(source) as backend:
        found = {
            q: [p.title for p in hybrid_search(backend, q, top_k=5, snippet_chars=200).passages] for q in questions
        }

    assert all(heading in titles for titles in found.values()), found


def test_the_offline_answer_to_tell_me_about_her_quotes_the_summary() -> None:
    request = AnswerRequest(messages=[], question="Tell me about her.", passages=(*FAQ[:2], SUMMARY, *FAQ[2:4]))

    assert "eight years of Kubernetes" in compose_answer(request).split("\n\n")[1]  # the first quote
