"""Questions asking for a quantity or a change, and the sentences that state one (app/text/quantities.py)."""

from __future__ import annotations

import pytest

from app.llm.offline import compose_answer
from app.llm.types import AnswerRequest
from app.retrieval.types import Passage
from app.text.quantities import asks_change, asks_quantity, states_answer_to, states_change


@pytest.mark.parametrize(
    "sentence",
    [
        "GCSE science grades 4 and above rose from 61% in 2019 to 78% in 2023.",
        "Cut the recordable injury rate from 5.2 to 2.1 in two years.",
        "Deploys went from twice a week to forty times a day.",
        "Grew revenue from $4m to $9m.",
        "Cut cost per order by 17% over two years.",
        "Halved the time to hire.",
    ],
)
def test_a_figure_that_changed_is_read_as_a_change(sentence: str) -> None:
    assert states_change(sentence)


@pytest.mark.parametrize(
    "sentence",
    ["Worked from 2015 to 2019 at Acme.", "Moved from London to Paris in 2019.", "She moved from one team to another."],
)
def test_a_date_range_or_a_move_is_no_change_of_a_figure(sentence: str) -> None:
    assert not states_change(sentence)


def test_a_question_about_a_change_prefers_the_result_with_its_figures() -> None:
    # "Did exam results go up while she ran the department?" quoted "Leads a department of nine
    # teachers" (a shared word), not the grades that rose (blind audit).
    passage = Passage(
        "Harrowgate Academy — Head of Science",
        "- Leads a department of nine teachers and two technicians.\n"
        "- Wrote the department's new scheme of work.\n- Ran the department's weekly meetings.\n"
        "- Science grades 4 and above rose from 61% in 2019 to 78% in 2023.",
        1.0,
    )

    answer = compose_answer(
        AnswerRequest(messages=[], question="Did exam results go up while she ran the department?", passages=(passage,))
    )

    assert asks_change("Did exam results go up while she ran the department?")
    assert answer.split("\n\n")[1].endswith("Science grades 4 and above rose from 61% in 2019 to 78% in 2023.")


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("What is the biggest bridge he has designed?", True),  # quoted its Approach line, not its size (blind audit)
        ("What was the largest deal there?", True),
        ("Which was her longest project?", True),
        ("What is she most proud of?", False),
        ("What is her best skill?", False),
    ],
)
def test_a_superlative_asks_for_the_figure_that_makes_it_so(question: str, asks: bool) -> None:
    assert asks_quantity(question) is asks


@pytest.mark.parametrize(
    ("sentence", "states"),
    [
        ("Builds the timetable in Nova-T6.", False),  # a product's name
        ("Runs on EC2 and S3.", False),
        ("Covered wards through COVID-19.", False),
        ("Leads an 1,150-pupil academy.", True),
        ("Manages 12 staff.", True),
        ("Two to 3 hires a year.", True),
    ],
)
def test_a_digit_inside_a_name_states_no_quantity(sentence: str, states: bool) -> None:
    assert states_answer_to("How many pupils are there?", sentence) is states
