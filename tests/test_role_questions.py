"""A question about taking on a role gets the resume's fit example among its passages."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.resume.sections import FIT_TITLE_PREFIX
from app.retrieval.hybrid import hybrid_search
from app.retrieval.role_questions import FIT_PLACE, asks_about_a_role, with_a_fit_example
from app.retrieval.types import Passage
from app.text.words import words
from tests.blind_questions import shares_read
from tests.fakes import FakeMemvid

FIT = Passage(title=f"{FIT_TITLE_PREFIX}Head of a regional laboratory", text="Fit level: Strong fit", score=1.0)
OTHERS = [Passage(title=f"Experience \u2014 Job {n}", text=f"Did thing {n}.", score=1.0) for n in range(1, 7)]


@pytest.mark.parametrize(
    "question",
    [
        "Would he suit a chief engineer post at a shipyard?",
        "Could Maria run a 40-bed rehabilitation unit?",
        "Might they be the right person for our finance director opening?",
        "Could she step into a head of department role next year?",
        "Would she make a good country manager?",
        "Is he a good fit for a lab manager position?",
        "Is she ready for a partner-track role?",
        "Should we interview him for the plant manager vacancy?",
    ],
)
def test_questions_about_taking_on_a_role_are_recognised(question: str) -> None:
    assert asks_about_a_role(question)


@pytest.mark.parametrize(
    "question",
    [
        "Where did she work before 2019?",
        "Has he managed a budget?",
        "Would she rather be an individual contributor or a manager?",
        "What would her notice period be?",
        "Can she speak German?",
        "Did she lead the migration?",
    ],
)
def test_questions_of_fact_are_not(question: str) -> None:
    assert not asks_about_a_role(question)


def test_a_fit_example_found_further_down_takes_its_place_among_the_given() -> None:
    chosen = with_a_fit_example("Could she run a regional laboratory?", [*OTHERS, FIT], top_k=5)

    assert len(chosen) == 5
    assert chosen[FIT_PLACE - 1] == FIT
    assert [p for p in chosen if p != FIT] == OTHERS[:4]


def test_a_fit_example_put_in_takes_the_score_of_its_place_so_sources_stay_best_first() -> None:
    ranked = [*(replace(p, score=1.0 - n / 10) for n, p in enumerate(OTHERS)), replace(FIT, score=0.05)]

    chosen = with_a_fit_example("Could she run a regional laboratory?", ranked, top_k=5)

    scores = [p.score for p in chosen]
    assert chosen[FIT_PLACE - 1].title == FIT.title
    assert scores == sorted(scores, reverse=True)
    assert scores[FIT_PLACE - 1] == ranked[FIT_PLACE - 1].score


def test_nothing_moves_for_a_question_of_fact_or_when_a_fit_example_is_given_already() -> None:
    assert with_a_fit_example("Where did she study?", [*OTHERS, FIT], top_k=5) == OTHERS[:5]
    given = [OTHERS[0], FIT, *OTHERS[1:]]
    assert with_a_fit_example("Could she run a laboratory?", given, top_k=5) == given[:5]
    assert with_a_fit_example("Could she run a laboratory?", OTHERS, top_k=5) == OTHERS[:5]
    assert with_a_fit_example("Could she run a laboratory?", [FIT], top_k=1) == [FIT]


def test_the_search_gives_the_fit_example_to_a_role_question_only() -> None:
    def titles(question: str) -> list[str]:
        found = hybrid_search(FakeMemvid(passages=[*OTHERS, FIT]), question, top_k=5, snippet_chars=200)
        return [p.title for p in found.passages]

    # No word of these questions is in a title: the engine's order stands, the fit example last.
    assert titles("Could she run a blood bank?")[FIT_PLACE - 1] == FIT.title
    assert FIT.title not in titles("Has she run a blood bank?")


@pytest.mark.parametrize(
    ("file", "at_least", "left_alone"),
    # Floors a question or two under the figures measured (see each file's header).
    [("role_questions_tuning.yaml", 0.95, 0.98), ("role_questions_held_out.yaml", 0.50, 0.96)],
)
def test_blind_writers_questions_about_a_role_are_told_from_questions_of_fact(
    file: str, at_least: float, left_alone: float
) -> None:
    read, left, fewest = shares_read(
        file, lambda question: "role" if asks_about_a_role(" ".join(words(question))) else "none", "role"
    )

    assert fewest >= 50
    assert read >= at_least
    assert left >= left_alone
