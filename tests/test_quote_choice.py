"""Which sentences an offline answer quotes, and what a quote brings along (app/llm/offline.py,
app/llm/quote_context.py, app/text/sentences.py), for defects blind audits found on resumes the
team had never seen."""

from __future__ import annotations

import pytest

from app.llm.offline import CLOSEST_ONLY, compose_answer
from app.llm.quote_choice import select_sentences
from app.llm.types import AnswerRequest
from app.retrieval.query import every_form
from app.retrieval.types import Passage
from app.text.sentences import matches, split_sentences
from app.text.words import content_stems

FIT = Passage(
    "Fit Assessment — Litigation Partner at a national firm",
    "Fit level: Weak fit\nVerdict: Not a match: she has advised on disputes but never led a trial.\n"
    "Gaps: No first-chair trial experience; LSAT score not on file.",
    1.0,
)


def ask(question: str, *passages: Passage) -> str:
    return compose_answer(AnswerRequest(messages=[], question=question, passages=passages))


@pytest.mark.parametrize(
    "question",
    ["What was her LSAT score?", "How long has she litigated?", "So why did she leave the firm?"],
)
def test_a_question_asking_for_a_fact_gets_no_fit_verdict_beside_a_fit_example_quote(question: str) -> None:
    answer = ask(question, FIT)

    assert "Fit level" not in answer
    assert "Gaps: No first-chair trial experience" in answer  # the example is still quoted


@pytest.mark.parametrize(
    "question",
    [
        "Would she suit a litigation partner role?",
        "Should we consider her for trial work?",
        "What do you think of her fit for a litigation partner job?",  # asks about fit in so many words
    ],
)
def test_a_question_about_fit_still_gets_the_fit_level(question: str) -> None:
    assert "Fit level: Weak fit" in ask(question, FIT)


@pytest.mark.parametrize(
    ("asked", "written"),
    [("hands", "handled"), ("week", "weekends"), ("plan", "plants"), ("plan", "planes"), ("care", "career")],
)
def test_a_word_does_not_match_a_longer_word_of_another_family(asked: str, written: str) -> None:
    assert not matches(content_stems(asked), content_stems(written))


@pytest.mark.parametrize(
    ("asked", "written"),
    [
        ("lead", "leader"),
        ("strong", "strongest"),
        ("plan", "planner"),
        ("supervise", "supervisor"),
        ("code", "coder"),
        ("care", "carer"),
    ],
)
def test_a_word_matches_a_longer_word_of_its_family(asked: str, written: str) -> None:
    assert matches(content_stems(asked), content_stems(written))


def test_a_period_sharing_only_current_with_the_question_is_not_quoted_unless_it_asks_when() -> None:
    # "Why does he want to leave his current employer?" opened with "Period: 2020 - present."
    # (its open end reads as "current"), before the FAQ that answered.
    job = Passage("Maison Verte — Executive Chef", "Period: 2020 - present\n- Runs four kitchens.", 2.0)
    why = Passage("Why is he looking?", "He wants a group role with more than one cuisine.", 1.0)

    leave = ask("Why does he want to leave his current employer?", job, why)
    still = ask("Is he still at Maison Verte?", job, why)

    assert "Period:" not in leave
    assert "He wants a group role" in leave
    assert "Period: 2020 - present." in still


STRONG = Passage(
    "Skills — Strong",
    "- Menu development: seasonal tasting menus, costing every plate.\n"
    "- Kitchen leadership: hiring and training teams of 20-60.",
    2.0,
)
MODERATE = Passage(
    "Skills — Moderate",
    "- Pastry and baking: breads and plated desserts.\n- Beverage programmes: works with the bar on pairings.",
    1.0,
)


def test_a_grading_word_alone_does_not_quote_the_strong_skills_for_a_topic_the_resume_never_names() -> None:
    # "Is he a wine expert?" was answered with every strong skill, and no hedge.
    answer = ask("Is he a wine expert?", STRONG, MODERATE)

    assert CLOSEST_ONLY in answer
    assert "Kitchen leadership" not in answer


def test_a_grading_word_counts_beside_the_topic_it_grades() -> None:
    expert_baker = ask("Is he an expert baker?", STRONG, MODERATE)
    strengths = ask("What are his strengths?", STRONG, MODERATE)  # no topic: the grade is the question

    assert expert_baker.split("\n\n")[1].startswith("From *Skills — Moderate*: Pastry and baking")
    assert "Kitchen leadership" not in expert_baker
    assert "Kitchen leadership" in strengths


def test_a_shared_word_every_resume_uses_is_no_sign_the_resume_answers() -> None:
    # "Has he worked on a cruise ship?" shared only "worked" with a chef's resume: no hedge (blind audit).
    kitchen = Passage("Summary", "- He has worked in four kitchens.\n- Runs a commissary for four restaurants.", 1.0)

    assert CLOSEST_ONLY in ask("Has he worked on a cruise ship?", kitchen)


def test_a_question_about_now_quotes_the_job_still_going_on() -> None:
    earlier = Passage(
        "Harbour Clinic — Ward Sister",
        "Period: 2012 \u2013 2018\nLed a team of 14 nurses on a surgical ward. Grew the team from 9 to 14 posts. "
        "Cut team sickness absence by 30%. Trained 20 team members in sepsis screening. Ran 2 team huddles a day.",
        1.0,
    )
    current = Passage("Riverside Hospital — Matron", "Period: 2018 \u2013 present\nLeads a team of 52 nurses.", 0.9)

    assert "52 nurses" in ask("How big is her team right now?", earlier, current)
    # Five sentences at most: asked about the past, the earlier job's fill them.
    assert "52 nurses" not in ask("How big was her team at the clinic?", earlier, current)


def test_a_sentence_saying_many_forms_of_one_question_word_counts_that_word_once() -> None:
    # Summed form by form, "pupils" searched as "pgce" and "qts" too quoted a teaching certificate
    # before the sentence answering "Can she communicate with deaf pupils?".
    question = "Does she hire contractors?"
    forms_of_one_word = "Freelance, temp and interim contracts only."
    two_words = "She hired two contractors for the rebuild."
    passages = (Passage("Summary", f"{forms_of_one_word} {two_words}", 1.0),)
    stems = content_stems(" ".join([question, *every_form("hire"), *every_form("contractors")]))  # as searched
    sentences = split_sentences(0, passages[0].text)

    picked = select_sentences(question, stems, sentences, [0.0, 0.0], [0.0, 0.0], passages)

    assert picked[0].text == two_words


def test_the_two_sentences_closest_in_meaning_are_quoted_among_the_first_four() -> None:
    sharing = [f"Ran the kitchens of restaurant number {n}." for n in range(1, 5)]
    closest, next_closest = "Opened a bakery in Lyon.", "Trained in classical French cuisine."
    passages = (Passage("Experience", " ".join([*sharing, closest, next_closest]), 1.0),)
    sentences = split_sentences(0, passages[0].text)
    closeness = [0.0, 0.0, 0.0, 0.0, 1.0, 0.9]

    picked = select_sentences(
        "Has she run restaurant kitchens?",
        content_stems("restaurant kitchens"),
        sentences,
        closeness,
        [0.0] * 6,
        passages,
    )

    texts = [s.text for s in picked]
    assert texts.index(closest) == 2
    assert texts.index(next_closest) == 3
