"""An acronym meets the words it stands for, in a question and a sentence (app/text/acronyms.py)."""

from __future__ import annotations

import pytest

from app.llm.offline import MAY_NOT_ANSWER, compose_answer
from app.llm.types import AnswerRequest
from app.retrieval.types import Passage
from app.text.acronyms import question_keys, sentence_keys


def keys_met(question: str, sentence: str) -> frozenset[str]:
    asked = question_keys(question)
    return asked & sentence_keys(sentence, asked)


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        ("Which electronic health record does he know?", "Epic (EHR), Kronos scheduling, Vocera"),
        ("Does she track key performance indicators?", "Reported weekly KPIs to the board."),
        ("Has she used CRM tools?", "Rolled out Customer Relationship Management software to 40 reps."),
        ("Any ICU time?", "Six years in a 24-bed medical Intensive Care Unit."),
        ("Is he a certified public accountant?", "CPA (New York), 2015."),
        # Two words joined by "and" (a stop word, which ends a run) stand for an "&" acronym (blind audit).
        ("Has he been responsible for profit and loss?", "Owns the P&L of four restaurants."),
        ("Has he managed a P&L?", "Full profit and loss responsibility since 2019."),
        ("Any mergers & acquisitions work?", "Closed 14 M&A deals."),
    ],
)
def test_an_acronym_meets_its_words_either_way(question: str, sentence: str) -> None:
    assert keys_met(question, sentence)


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        ("Has she used AWS?", "Built automated weekly sales reports for stores."),  # lower-case words spell nothing
        ("Does she know Python?", "Wrote Python and Go."),  # no acronym on either side
        ("Where is she based?", "Based in the US since 2019."),  # "US" is no run of the question's
        ("Did she manage people?", "Led the MP3 encoder team."),
        ("Any research and development?", "Wrote PL/SQL and Go."),  # an "&" pair meets only an "&" acronym
        ("Has she used PL/SQL?", "Managed people and logistics."),
    ],
)
def test_words_that_only_happen_to_share_initials_do_not_meet(question: str, sentence: str) -> None:
    assert not keys_met(question, sentence)


def test_the_offline_answer_quotes_the_acronym_sentence_as_sharing_the_questions_words() -> None:
    # "Which electronic health record does he know?" quoted the right line under "No sentence
    # of the resume uses the question's words".
    skills = Passage("Skills — Strong", "- Epic (EHR), Kronos scheduling, Vocera\n- Ventilator management", 1.0)
    other = Passage("Summary", "Charge nurse with eleven years at the bedside.", 2.0)

    answer = compose_answer(
        AnswerRequest(messages=[], question="Which electronic health record does he know?", passages=(other, skills))
    )

    assert MAY_NOT_ANSWER not in answer
    assert answer.split("\n\n")[1] == "From *Skills — Strong*: Epic (EHR), Kronos scheduling, Vocera."
