"""A question about the candidate's present job ("What's she doing now?", "Current role?") gets the
Experience entry whose period is still open among its passages, and the offline answer quotes it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.llm.offline import compose_answer
from app.llm.types import AnswerRequest
from app.retrieval.current_job_questions import is_current_job
from app.retrieval.hybrid import hybrid_search
from app.retrieval.standard_questions import ASKED_FRAME_PLACE, frames_asked_for
from app.retrieval.types import Passage
from tests.blind_questions import DATA, assert_read
from tests.fakes import FakeMemvid
from tests.retrieval_eval import engine

NOW = Passage(
    "Acme — Head of Logistics", "### Acme — Head of Logistics\nPeriod: 2021 \u2013 present\n- Runs 4 depots.", 1.0
)
BEFORE = Passage("Binco — Planner", "### Binco — Planner\nPeriod: 2015 \u2013 2021\n- Planned 80 routes a day.", 1.0)
OTHERS = [Passage(f"Would she do task {n}?", f"Yes, task {n} suits her.", 1.0) for n in range(1, 7)]


def _asked(question: str) -> str:
    return "current" if any(frame.name == "current job" for frame in frames_asked_for(question)) else "none"


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("What's she doing these days, job-wise?", "current"),
        ("Current role?", "current"),
        ("Is she still there?", "current"),
        ("Before I reach out, what is she doing right now?", "current"),  # "before I…" is no past job
        ("What did she do before her current job?", "none"),
        ("Who is he working for at the moment?", "current"),
        ("Where does she work now?", "current"),
        ("How long has she been in her present position?", "current"),
        ("What does he do for a living?", "current"),
        # Earlier jobs, other present things, other senses: left alone.
        ("What did she do before that?", "none"),
        ("What was his previous role?", "none"),
        ("Where does she live now?", "none"),
        ("Is her first-aid certificate current?", "none"),
        ("Did she present at conferences?", "none"),
        ("Would she be willing to work remotely now?", "none"),
        ("Which companies has she worked for?", "none"),  # every employer: the work history
    ],
)
def test_questions_about_the_present_job(question: str, asked: str) -> None:
    assert _asked(question) == asked


@pytest.mark.parametrize(
    ("passage", "current"),
    [
        (NOW, True),
        (BEFORE, False),
        (Passage("Experience", "Work history:\n- Acme — Head of Logistics (2021 \u2013 present)", 1.0), False),
        (Passage("Acme — Lead", "**Period:** Mar 2019 - Present\n- Led.", 1.0), True),
    ],
)
def test_the_present_job_is_the_entry_whose_period_is_open(passage: Passage, current: bool) -> None:
    assert is_current_job(passage) is current


@pytest.mark.parametrize(
    ("file", "at_least", "left_alone"),
    # Floors a question or two under the figures measured (see each file's header).
    [
        ("current_job_questions_tuning.yaml", 0.97, 0.97),
        ("current_job_questions_held_out.yaml", 0.90, 0.95),
        ("current_job_questions_tuning_2.yaml", 0.97, 0.97),
        ("current_job_questions_held_out_2.yaml", 0.87, 0.97),
    ],
)
def test_blind_writers_questions_about_the_present_job(file: str, at_least: float, left_alone: float) -> None:
    assert_read(file, _asked, "current", at_least, left_alone)


def test_the_present_job_ranked_below_the_five_is_given_third() -> None:
    ranked = [BEFORE, *OTHERS, NOW]

    found = hybrid_search(FakeMemvid(passages=ranked), "What's her current job?", top_k=5, snippet_chars=200)

    assert found.passages[ASKED_FRAME_PLACE - 1].title == NOW.title


@pytest.mark.parametrize("end", ["now", "current"])
def test_an_entry_open_in_other_words_is_found_by_them(tmp_path: Path, end: str) -> None:
    # Looked up by "present" alone, neither search ranked such an entry for some of these.
    resume = (DATA / "fourth_resume.md").read_text(encoding="utf-8")
    source = tmp_path / "resume.md"
    source.write_text(re.sub(r"(?im)^(period:.*\d{4}\s*\W+\s*)present\b", rf"\g<1>{end}", resume), encoding="utf-8")
    questions = ["What's her current job?", "What's her job right now?", "Is she still employed?", "Current role?"]
    with engine(source) as backend:
        found = {q: hybrid_search(backend, q, top_k=5, snippet_chars=2000).passages for q in questions}

    assert f"2021 \u2013 {end}" in source.read_text(encoding="utf-8")  # the open period rewritten
    assert all(any(is_current_job(p) for p in passages) for passages in found.values()), found


def test_the_offline_answer_quotes_the_present_job_not_the_last_one() -> None:
    request = AnswerRequest(messages=[], question="What is she doing now?", passages=(BEFORE, *OTHERS[:3], NOW))

    answer = compose_answer(request)

    assert "Runs 4 depots" in answer.split("\n\n")[1]  # the first quote
