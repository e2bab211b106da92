"""The offline answer hedges when sentences share the question's words but seem not to answer it."""

from __future__ import annotations

import pytest

from app.llm.offline import CLOSEST_ONLY, MAY_NOT_ANSWER, NOT_STATED, PREAMBLE, compose_answer
from app.llm.quote_absent import named_words
from app.llm.types import AnswerRequest
from app.retrieval.types import Passage

LANGUAGES = Passage("Which languages does she speak?", "English (fluent) and conversational Portuguese.", 1.0)
TALKS = Passage("Talks", "Speaker at a cloud conference in 2024.", 2.0)
ROBOTS = Passage(
    "Tallis Robotics — Software Engineer",
    "- Wrote the fleet telemetry service for warehouse robots.\n- Built the build farm for three hardware revisions.",
    1.0,
)
SAVINGS = Passage("Northwind — Engineer", "- Cut the monthly AWS bill by 38%.", 2.0)
CERTIFICATES = Passage("Education", "Certifications: Project Management Professional (2022), CKA (2020).", 1.0)
INVENTORY = Passage("Harvest Foods — Analyst", "- Counted 9,000 SKUs in a cold store.", 1.0)
SITE = Passage("Buckeye — Manager", "- Runs a 420,000-square-foot site with 310 associates.", 2.0)
THESIS = Passage("Education", "MSc in Computer Science, 2013. Thesis on scheduling jobs.", 1.0)


def ask(question: str, *passages: Passage) -> str:
    return compose_answer(AnswerRequest(messages=[], question=question, passages=passages))


@pytest.mark.parametrize(
    ("question", "passages"),
    [
        ("Does she speak Mandarin?", (LANGUAGES, TALKS)),  # a name the passages never say
        ("What was Tallis Robotics' annual revenue?", (ROBOTS, SAVINGS)),  # said, but beside nothing asked
        ("How many robots did the telemetry service track?", (ROBOTS,)),  # no number of robots
        ("How many SKUs does the Buckeye site stock?", (INVENTORY, SITE)),  # a number, not beside Buckeye
        ("What grade did she get for her thesis?", (THESIS,)),  # no grade at all
    ],
)
def test_shared_words_that_do_not_answer_are_not_offered_as_the_answer(question: str, passages: tuple) -> None:
    answer = ask(question, *passages)

    assert answer.startswith(f"{PREAMBLE}\n\n{NOT_STATED}\n\n")
    assert "From *" in answer  # what comes nearest is still quoted


@pytest.mark.parametrize(
    ("question", "passages"),
    [
        ("Does she speak Portuguese?", (LANGUAGES, TALKS)),
        ("Does she hold a PMP certification?", (CERTIFICATES,)),  # the acronym, spelt out
        ("How many hardware revisions did the build farm support?", (ROBOTS,)),
        ("How many associates does she lead at Buckeye?", (INVENTORY, SITE)),
        ("What degree does she hold?", (THESIS,)),  # "MSc" is a degree (synonyms)
        ("What experience does she have with telemetry?", (ROBOTS,)),  # "experience": every resume's kind
        ("Hat sie Erfahrung mit dem Telemetry Service?", (ROBOTS,)),  # German capitalises every noun
        ("Did Tallis Robotics Build A Telemetry Service?", (ROBOTS,)),  # Title Case names nothing
    ],
)
def test_shared_words_that_answer_are_not_hedged(question: str, passages: tuple) -> None:
    assert MAY_NOT_ANSWER not in ask(question, *passages)


def test_both_hedges_say_first_that_the_resume_may_not_answer() -> None:
    assert CLOSEST_ONLY.startswith(MAY_NOT_ANSWER)
    assert NOT_STATED.startswith(MAY_NOT_ANSWER)


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("Does she speak Mandarin?", ["Mandarin"]),
        ("Has she used HashiCorp Nomad or Consul?", ["HashiCorp", "Nomad", "Consul"]),
        ("is she certified in PMP", ["PMP"]),
        ("Mandarin? Does she speak it", []),  # a sentence's first word is capitalised anyway
        ("WHAT IS HER SALARY EXPECTATION?", []),
        ("Spricht sie Mandarin?", []),
    ],
)
def test_names_are_words_capitalised_past_a_sentences_first(question: str, names: list[str]) -> None:
    assert named_words(question) == names
