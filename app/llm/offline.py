"""The offline answerer: an honest extractive answer quoted from the retrieved passages.

Used when no LLM is configured (SPEC §2). It never invents text: it ranks the passage
sentences by meaning (the same embedding model as semantic retrieval) and by the content
words they share with the question and with the words retrieval searched, quotes the
best, cites where each came from, and says plainly when nothing was found. Its own words
(the preamble, "From …:", the suggestions) are English whatever the question's language: the
quotes stay in the resume's language, and a page can translate the frame around them.
"""

from __future__ import annotations

from collections.abc import Generator

import numpy as np

from app.llm.canned import word_chunks
from app.llm.greetings import GREETING, only_greets
from app.llm.quote_absent import seems_unanswered
from app.llm.quote_choice import MAX_QUOTE_CHARS, generic_words, said, select_sentences
from app.llm.quote_context import (
    with_announced_lists,
    with_direct_answers,
)
from app.llm.quote_filler import states_the_place_asked
from app.llm.quote_format import cite
from app.llm.quote_topic import grading_stems, has_topic
from app.llm.types import OFFLINE, AnswerRequest, Finished, LLMEvent, Token
from app.retrieval.query import every_form
from app.retrieval.standard_questions import passages_asked_for
from app.retrieval.types import Passage
from app.text.acronyms import question_keys
from app.text.embedding import Embedder, shared_embedder
from app.text.passage_lines import restore_lines
from app.text.quantities import asks_change, asks_quantity, states_answer_to, states_change
from app.text.sentences import Sentence, matches, split_sentences, titled
from app.text.words import content_stems, content_words

PREAMBLE = "No language model is configured, so this answer is quoted directly from the resume."
NOTHING_FOUND = "I could not find anything in the resume that answers this question."
NO_PASSAGES = "The resume search returned nothing for this question."
NO_SEARCH = "The resume could not be searched just now (its search service did not answer); please try again shortly."
# Said first, plainly: a blind audit read "these come closest" under "Is she married?" (quoting her
# email) as the service's answer; the resume may simply not say.
MAY_NOT_ANSWER = "The resume may not answer this"
CLOSEST_ONLY = (
    f"{MAY_NOT_ANSWER}: no sentence of it uses the question's words."
    " These come closest in meaning; ask the candidate to be sure."
)
# Said when some sentences share the question's words but seem not to answer it: a name the
# resume never mentions, a number or a kind of thing it never gives (app/llm/quote_absent.py).
NOT_STATED = (
    f"{MAY_NOT_ANSWER}: it does not seem to say what the question asks."
    " What it says nearest the question's words is quoted below; ask the candidate to be sure."
)
MAX_SUGGESTIONS = 3
# What a sentence stating a number gains when the question asks how many, how much, how long:
# as much as the closest sentence in meaning. Measured on the tuning sets (2026-12-06): 141 ->
# 143 of 171 offline answers with the fact (0.5-1: 142; 3: 143), no loss on the matched sets.
QUANTITY_WEIGHT = 2.0
# The same for a sentence stating a figure that changed, when the question asks whether something
# went up, down or stopped: as much as a number for "how many?". Tuning sets (2026-12-06, fifth
# session): 148 -> 150 of 171 (1: 149, 3: 149 and one matched question lost).
CHANGE_WEIGHT = 2.0
# The same for a place line ("Location: Leeds") when the question asks where. Tuning sets (2026-12-06,
# eighth session): 329 -> 331 of 434 at 1 and 2; the same weight for contact lines asked for lost one
# ("What city does she call home?" asks no phone call), and for period lines asked when lost two.
PLACE_WEIGHT = 2.0
# The same for the sentences of the frames a standard question asks for (`standard_questions`), as
# much as four rare shared words. Tuning sets: offline facts 352 -> 355 of 434 at 1, 2 and 4 (353 at
# 0.5); two blind writers' 160 questions asking for strengths or weaknesses, on the five tuning
# resumes: that frame quoted in 325, 332 and 347 of 350 answers at 1, 2 and 4 (2026-12-07).
ASKED_FRAME_WEIGHT = 4.0


class OfflineAnswerer:
    """Answer by quoting the passages that match the question; no network, no model."""

    name = OFFLINE

    def __init__(self, embedder: Embedder | None = None) -> None:
        self._embedder = embedder or shared_embedder()

    def stream(self, request: AnswerRequest) -> Generator[LLMEvent, None, None]:
        """Yield the extractive answer as several tokens, then one `Finished`."""
        answer = compose_answer(request, self._embedder)
        for chunk in word_chunks(answer):
            yield Token(chunk)
        yield Finished(finish_reason="stop", usage=None)

    def close(self) -> None:
        """Release nothing: this answerer holds no connection."""


def compose_answer(request: AnswerRequest, embedder: Embedder | None = None) -> str:
    """Return the whole offline answer for `request`."""
    if only_greets(request.question):
        return "\n\n".join([GREETING, _what_to_ask(request)])
    # Retrieval expands "cloud" to "aws", "gcp"...: sentences with those words answer too, and so
    # do the synonyms past the five forms the engine searched ("dissertation" -> "thesis").
    synonyms = (form for word in content_words(request.question) for form in every_form(word))
    stems = content_stems(" ".join([request.question, *request.searched_words, *synonyms]))
    stems |= question_keys(request.question)  # "electronic health record" meets "EHR", and back
    sentences = [s for i, p in enumerate(request.passages) for s in split_sentences(i, restore_lines(p))]
    titles = [content_stems(p.title) for p in request.passages]
    stems = _without_idle_grades(request.question, stems, sentences, titles)
    closeness = _closeness(request.question, sentences, request.passages, embedder or shared_embedder())
    quantity = QUANTITY_WEIGHT if asks_quantity(request.question) else 0.0
    change = CHANGE_WEIGHT if asks_change(request.question) else 0.0
    asked = passages_asked_for(request.question, request.passages)
    in_asked = [any(i in frame for frame in asked) for i in range(len(request.passages))]  # by passage
    shape = [  # a number, a duration; a figure that changed; a place; the frame asked for
        quantity * states_answer_to(request.question, s.text)
        + change * states_change(s.text)
        + PLACE_WEIGHT * states_the_place_asked(s, request.question)
        + ASKED_FRAME_WEIGHT * in_asked[s.passage]
        for s in sentences
    ]
    each_of = asked if len(asked) > 1 else ()  # "her strengths and weaknesses": a quote from each
    picked = select_sentences(request.question, stems, sentences, closeness, shape, request.passages, each_of)
    if not picked:
        return "\n\n".join([PREAMBLE, *_nothing_found(request)])
    telling = stems - generic_words(request.question)  # "work" or "years" shared is no sign the resume answers
    from_asked = any(in_asked[s.passage] for s in picked)
    return "\n\n".join([PREAMBLE, *_quoted(request, picked, sentences, titles, telling, from_asked)])


def _quoted(
    request: AnswerRequest,
    picked: list[Sentence],
    sentences: list[Sentence],
    titles: list[frozenset[str]],
    telling: frozenset[str],
    from_asked: bool,
) -> list[str]:
    """The cited quotes, led by a plain hedge when the resume may not answer the question.

    `from_asked`: a quote comes from the frame a standard question asks for ("How can I get hold of
    her?" from the profile), which needs no shared word: the frame is what such a question asks for.
    """
    shares_words = from_asked or any(matches(telling, s.stems | said(s, telling) | titles[s.passage]) for s in picked)
    # Meaning alone is a weaker sign (an unrelated question still has a nearest sentence):
    # say so, and offer the suggested questions. It quotes as much as any answer: cut to three (the
    # first choice, never measured), it left out the answering sentence of 13 answers whose frame was
    # among the five (tuning sets, 2026-12-06: 331 -> 335 of 434 at five, 332 at four).
    chosen, left_out = _with_context(picked, sentences, request)
    quotes = cite(chosen, request.passages, left_out)
    if not shares_words:
        return [CLOSEST_ONLY, *quotes, _what_to_ask(request)]
    # Shared words that seem not to answer ("speak" under "Does she speak Mandarin?"): the quotes
    # stay whole, as they were chosen by those words, but are not offered as the answer.
    if seems_unanswered(request.question, sentences, titles, generic_words(request.question)):
        return [NOT_STATED, *quotes, _what_to_ask(request)]
    return quotes


def _without_idle_grades(
    question: str, stems: frozenset[str], sentences: list[Sentence], titles: list[frozenset[str]]
) -> frozenset[str]:
    """`stems` without the grading words ("expert", "strong") when nothing in the passages names
    the question's topic: they would quote the list of her best skills, whatever the skill."""
    topic = stems - grading_stems(question)
    if not has_topic(question) or any(matches(topic, said(s, topic) | titles[s.passage]) for s in sentences):
        return stems
    return topic


def _with_context(
    picked: list[Sentence], sentences: list[Sentence], request: AnswerRequest
) -> tuple[list[Sentence], dict[int, int]]:
    """Add to the picked sentences the lists they announce and their frames' plain answers; and
    how many items of each passage's list the budget left out."""
    listed, left_out = with_announced_lists(picked, sentences, MAX_QUOTE_CHARS)
    return with_direct_answers(listed, sentences, request.passages, request.question), left_out


def _closeness(
    question: str, sentences: list[Sentence], passages: tuple[Passage, ...], embedder: Embedder
) -> list[float]:
    """Return how close each sentence is in meaning to the question, scaled to [0, 1] among them."""
    if not sentences or not question.strip():
        return [0.0] * len(sentences)
    texts = [titled(passages[s.passage].title, s.text) for s in sentences]
    similarity = embedder.passages(texts) @ embedder.question(question)
    low, high = float(np.min(similarity)), float(np.max(similarity))
    return [(float(value) - low) / (high - low) if high > low else 1.0 for value in similarity]


def _nothing_found(request: AnswerRequest) -> list[str]:
    if not request.resume_searched:
        return [NO_SEARCH]  # suggesting other questions would not help: none can be answered now
    return [NOTHING_FOUND if request.passages else NO_PASSAGES, _what_to_ask(request)]


def _what_to_ask(request: AnswerRequest) -> str:
    suggestions = [q.strip() for q in request.suggested_questions if q.strip()][:MAX_SUGGESTIONS]
    if suggestions:
        return "You could ask instead:\n" + "\n".join(f"- {q}" for q in suggestions)
    return "Try asking about a specific skill, company or role."
