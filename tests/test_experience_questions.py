"""A question about how much experience the candidate has in all ("Yrs of exp?", "Is he junior or
senior?") gets the summary and the work history among its passages, and the offline answer quotes
the summary."""

from __future__ import annotations

import pytest

from app.llm.offline import compose_answer
from app.llm.types import AnswerRequest
from app.resume.sections import is_work_history
from app.retrieval.hybrid import hybrid_search
from app.retrieval.standard_questions import frames_asked_for
from app.retrieval.types import Passage
from tests.blind_questions import assert_read
from tests.fakes import FakeMemvid

SUMMARY = Passage("Summary", "Operations manager with sixteen years in warehousing and distribution.", 1.0)
HISTORY = Passage("Experience", "Work history:\n- Acme \u2014 Manager (2015 \u2013 present)", 1.0)
JOBS = [Passage(f"Acme \u2014 Job {n}", f"Ran {n} years of audits with Excel.", 1.0) for n in range(1, 7)]


def _asked(question: str) -> str:
    names = [frame.name for frame in frames_asked_for(question)]
    return "experience" if names == ["summary", "work history"] else "none"


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("Yrs of exp?", "experience"),
        ("Is he fairly green?", "experience"),
        ("Senior or junior?", "experience"),
        ("When did she start out in her career?", "experience"),
        ("Does she meet the 8+ years requirement?", "experience"),
        ("How many years has she worked on HVAC systems?", "none"),
        ("Give me his overall years of experience, not just the last job.", "experience"),
        ("Which tools did she use as a rookie?", "none"),  # a time of her career, not her seniority
        ("How many years of experience does she have?", "experience"),
        ("How long has he been a nurse?", "experience"),
        ("Is she junior or senior?", "experience"),
        ("How seasoned is the candidate?", "experience"),
        # One tool, one employer or job, other senses: left alone.
        ("How many years of Python does she have?", "none"),
        ("How much experience does he have with SAP?", "none"),
        ("How long was she at Deloitte?", "none"),
        ("How long has she been in her current role?", "none"),
        ("Would she report to a senior director?", "none"),
        ("Does she have management experience?", "none"),
    ],
)
def test_questions_about_her_experience_in_all(question: str, asked: str) -> None:
    assert _asked(question) == asked


@pytest.mark.parametrize(
    ("file", "at_least", "left_alone"),
    # Floors a question or two under the figures measured (see each file's header).
    [
        ("experience_questions_tuning.yaml", 0.97, 0.97),
        ("experience_questions_held_out.yaml", 0.75, 0.95),
        ("experience_questions_tuning_2.yaml", 0.97, 0.97),
        ("experience_questions_held_out_2.yaml", 0.72, 0.90),
        ("experience_questions_tuning_3.yaml", 0.97, 0.97),
        ("experience_questions_held_out_3.yaml", 0.77, 0.97),
    ],
)
def test_blind_writers_questions_about_her_experience_in_all(file: str, at_least: float, left_alone: float) -> None:
    assert_read(file, _asked, "experience", at_least, left_alone)


def test_the_summary_and_the_work_history_both_come_in() -> None:
    found = hybrid_search(FakeMemvid(passages=[*JOBS, SUMMARY, HISTORY]), "Yrs of exp?", top_k=5, snippet_chars=200)

    titles = [passage.title for passage in found.passages]
    assert "Summary" in titles
    assert any(is_work_history(title) for title in titles)
    assert len(titles) == 5


def test_the_offline_answer_quotes_the_summary_first() -> None:
    request = AnswerRequest(messages=[], question="How experienced is she?", passages=(*JOBS[:3], SUMMARY, HISTORY))

    assert "sixteen years" in compose_answer(request).split("\n\n")[1]
