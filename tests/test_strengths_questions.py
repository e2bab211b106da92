"""A question asking for the candidate's strengths or weaknesses, naming no skill, gets the skills'
Strong or Gaps frame (or both) among its passages, and the offline answer quotes it."""

from __future__ import annotations

import pytest

from app.llm.offline import compose_answer
from app.llm.types import AnswerRequest
from app.retrieval.hybrid import hybrid_search
from app.retrieval.standard_questions import ASKED_FRAME_PLACE, frames_asked_for, with_the_frames_asked_for
from app.retrieval.types import Passage
from tests.blind_questions import read_by_kind
from tests.fakes import FakeMemvid

STRONG = Passage("Skills — Strong", "Strongest skills:\n- Kubernetes: eight years\n- Terraform: since 2017", 1.0)
GAPS = Passage("Skills — Gaps", "Skill gaps: weaknesses and areas with little or no experience:\n- Azure: none", 1.0)
OTHERS = [Passage(f"Acme — Job {n}", f"Location: Leeds.\nDid thing {n} in Excel.", 1.0) for n in range(1, 7)]


def _asked(question: str) -> str:
    """ "strengths", "weaknesses", both joined by "and", or "none" (the other frames asked for too)."""
    skills = [frame.name for frame in frames_asked_for(question) if frame.name in ("strengths", "weaknesses")]
    return " and ".join(skills) or "none"


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("What are her strengths?", "strengths"),
        ("What isn't she good at?", "weaknesses"),
        ("Whats her achilles heel", "weaknesses"),
        ("Is Java a weak spot for him?", "none"),  # one skill named first
        ("Where does he excel?", "strengths"),
        ("What is she really good at?", "strengths"),
        ("What does the candidate do best?", "strengths"),
        ("Top skills?", "strengths"),
        ("What are his weaknesses?", "weaknesses"),
        ("What can't she do?", "weaknesses"),
        ("Where would he need support?", "weaknesses"),
        ("What is she not good at?", "weaknesses"),
        ("Which skills does she lack?", "weaknesses"),
        ("What are her strengths and weaknesses?", "strengths and weaknesses"),
        ("Pros and cons of his skill set?", "strengths and weaknesses"),
        # Named skills, other things' strengths, other senses: left alone.
        ("Is she good at Excel?", "none"),
        ("Does he struggle with public speaking?", "none"),
        ("What are the strengths of her team?", "none"),
        ("Is there a gap in her employment history?", "none"),
        ("What's the best way to reach her?", "none"),
        ("Before I call him, what are his strong points?", "strengths"),
        ("Employment gaps?", "none"),
        ("What did she learn at university?", "none"),
        ("Did the project fall short of its goals?", "none"),
        ("Which markets were underdeveloped when she arrived?", "none"),
        ("Did sales do better than forecast?", "none"),
    ],
)
def test_questions_asking_for_strengths_or_weaknesses_in_general(question: str, asked: str) -> None:
    assert _asked(question) == asked


_ASKS = {"strengths": "strengths", "weaknesses": "weaknesses", "both": "strengths and weaknesses", "none": "none"}


@pytest.mark.parametrize(
    ("file", "at_least", "left_alone"),
    # Floors a question or two under the figures measured (see each file's header).
    [
        ("strengths_questions_tuning.yaml", 0.97, 0.98),
        ("strengths_questions_held_out.yaml", 0.68, 0.95),
        ("strengths_questions_tuning_2.yaml", 0.97, 0.97),
        ("strengths_questions_held_out_2.yaml", 0.70, 0.97),
        ("strengths_questions_tuning_3.yaml", 0.93, 0.97),
        ("strengths_questions_tuning_4.yaml", 0.95, 0.97),
        ("strengths_questions_held_out_3.yaml", 0.71, 0.96),
    ],
)
def test_blind_writers_questions_are_read_as_asking_for_strengths_or_weaknesses(
    file: str, at_least: float, left_alone: float
) -> None:
    read = read_by_kind(file, _asked, _ASKS)

    assert set(read) == set(_ASKS)
    asking = [read[kind] for kind in ("strengths", "weaknesses", "both")]
    assert sum(hits for hits, _ in asking) / sum(count for _, count in asking) >= at_least
    hits, count = read["none"]
    assert count >= 60
    assert hits / count >= left_alone


def test_asked_for_both_both_frames_come_in_and_neither_pushes_the_other_out() -> None:
    chosen = [*OTHERS[:4], STRONG]  # the strengths given fifth, the gaps ranked further down
    ranked = [*chosen, *OTHERS[4:], GAPS]

    given = with_the_frames_asked_for(frames_asked_for("what are her strengths and weaknesses"), chosen, ranked, 5)

    assert given[ASKED_FRAME_PLACE - 1] == GAPS
    assert STRONG in given
    assert len(given) == 5


def test_the_search_looks_both_frames_up_when_neither_search_ranks_them() -> None:
    class SkillsUnranked(FakeMemvid):
        def search(self, query: str, *, top_k: int, snippet_chars: int) -> list[Passage]:
            probes = {"strongest skills": [STRONG], "skill gaps": [GAPS]}
            return probes.get(query, OTHERS[:top_k])

    found = hybrid_search(SkillsUnranked(), "Strengths and weaknesses of this applicant?", top_k=5, snippet_chars=200)

    assert {STRONG.title, GAPS.title} <= {passage.title for passage in found.passages}
    assert len(found.passages) == 5


def _offline(question: str, passages: list[Passage]) -> str:
    return compose_answer(AnswerRequest(messages=[], question=question, passages=tuple(passages)))


def test_the_offline_answer_to_both_quotes_each_frame() -> None:
    answer = _offline("What are her strengths and weaknesses?", [*OTHERS[:3], GAPS, STRONG])

    assert "Kubernetes" in answer
    assert "Azure" in answer


def test_where_she_excels_is_not_answered_with_where_she_worked() -> None:
    answer = _offline("Where does she excel?", [*OTHERS[:4], STRONG])

    assert "Kubernetes" in answer
    assert "Leeds" not in answer
    assert "Leeds" in _offline("Where did she work?", [*OTHERS[:4], STRONG])  # a place asked for
