"""Which sentences of the retrieved passages an offline answer quotes, best first.

By the question's words each sentence says (rarer words weigh more), by its title's words, by
how close it is in meaning, by the answer's shape (a number for "how many?") and, asked about
now, by whether its job is still going on; leaving out
lines that answer nothing here (a job's own wording, a verdict under a question of fact, a bare
period or contact line).
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable, Sequence
from functools import lru_cache

from app.llm.quote_context import asks_for_a_verdict, describes_the_job, is_fit_level, words_said
from app.llm.quote_filler import fills_in
from app.llm.quote_topic import grading_stems, has_topic
from app.retrieval.query import every_form, query_terms
from app.retrieval.types import Passage
from app.text.acronyms import sentence_keys
from app.text.sentences import Sentence, matches
from app.text.words import content_stems, content_words

MAX_SENTENCES = 5
MAX_QUOTE_CHARS = 900
# How much meaning counts against shared words: a sentence as close to the question as the
# closest one gains this much, as if it shared that many rare words with the question.
MEANING_WEIGHT = 2.0
# Closeness (0 = the farthest sentence, 1 = the nearest) from which a sentence may be quoted
# without sharing a word. Chosen on the example resume's paraphrased questions: stricter
# rules (shared words only, a higher floor, a cut relative to the best) quoted the expected
# fact less often (0.53-0.68 against 0.73), because the answering sentence often shares no word.
MEANING_BAND = 0.5
# The sentence closest in meaning is quoted at worst this many places down. Ranked by score alone,
# sentences sharing the question's searched words (its synonyms too) pushed it out of the five
# ("Is she hands-on in the classroom?" quoted every "teacher" before "She teaches ... six hours a
# week"). Tuning sets (2026-12-06, eighth session): 338 -> 345 of 434 offline facts at 1, 2 and 3
# (at 5, quoted last: 344); one answer lost its fact, none on the matched sets.
# The next closest, at worst in fourth place: sentences saying a searched form of a question word
# filled the places above it ("Can she communicate with deaf pupils?" quoted her "PGCE ... (QTS)"
# and her DBS check before "a certificate in British Sign Language"). Tuning sets (2026-12-07):
# 358 -> 362 of 434 (six gained, two lost; the same at fifth place; lifting the third closest too
# lost three).
CLOSEST_AT_WORST = (3, 4)
# A question about now ("How big is her team right now?") asks about the job still going on: its
# sentences gain as much as one rare shared word's worth. Ranked without it, the head count of an
# earlier job (equally a number, equally close) came first as often as the current one. Tuning sets
# (2026-12-06, ninth session): 345 -> 348 of 434 offline facts, the same at 0.5, 1, 2 and 3; none
# lost (15 questions ask about now).
CURRENT_WEIGHT = 1.0
_NOW = re.compile(r"\b(now|current|currently|at present|presently|today|these days|at the moment)\b", re.IGNORECASE)
# "Period: 2020 - present", with a hyphen or an en or em dash.
_ONGOING = re.compile(r"\d{4}\s*[-\u2013\u2014]+\s*(present|current|now|today)\b", re.IGNORECASE)
# A word every resume uses of everything ("work", "company", "role", "years") says little of what
# a sentence is about: "Has her employer formally recognised her work?" quoted where she "works
# weekends". Such a shared word counts a quarter of the commonest other word (tuning sets, 146 ->
# 148 of 171; 0 and 0.1 gave 148 as well, 0.5 147, 1 146). The list is general English, written
# before measuring, not drawn from any resume; "skill(s)" was added after a blind audit ("Did he
# keep his skills up during the time off?" quoted three skills lists whole), tuning unchanged.
GENERIC_WEIGHT = 0.25
GENERIC: frozenset[str] = content_stems(
    "work worked working works job jobs company companies role roles experience year years time times day days "
    "people person thing things way ways lot kind part place area areas field fields skill skills"
)


def generic_words(question: str) -> frozenset[str]:
    """The stems that say little in `question`: none when they are all it says ("Where has he worked?")."""
    return GENERIC if content_stems(question) - GENERIC else frozenset()


def ongoing_jobs(asked: str, passages: tuple[Passage, ...]) -> set[int]:
    """The passages of jobs still going on, when `asked` is about now; else none."""
    if not _NOW.search(asked):
        return set()
    return {index for index, passage in enumerate(passages) if _ONGOING.search(passage.text)}


def said(sentence: Sentence, question: frozenset[str]) -> frozenset[str]:
    """The stems and acronym keys `sentence` says that could meet `question`'s."""
    return words_said(sentence) | sentence_keys(sentence.text, question)


@lru_cache(maxsize=256)
def word_groups(asked: str) -> tuple[frozenset[str], ...]:
    """The stems of each content word of `asked` with the forms and synonyms it is searched and
    quoted by: one group per word of the question."""
    searched = {term.word: term.forms for term in query_terms(asked)}
    return tuple(
        content_stems(" ".join([word, *every_form(word), *searched.get(word, ())])) for word in content_words(asked)
    )


def _once_per_word(found: set[str], idf: dict[str, float], groups: Sequence[frozenset[str]]) -> float:
    """The weight of `found`, each word of the question counted once, by its rarest form said.

    Summed form by form, a sentence saying two synonyms of one word outranked one answering the
    question: "pupils" is searched as "pgce" and "qts" too, and "Can she communicate with deaf
    pupils?" quoted her teaching certificate first.
    """
    if not found:
        return 0.0
    by_word = sum(max((idf[q] for q in found & group), default=0.0) for group in groups)
    return by_word + sum(idf[q] for q in found if not any(q in group for group in groups))


def _words_score(
    found: set[str],
    title_only: set[str],
    idf: dict[str, float],
    grades: frozenset[str],
    groups: Sequence[frozenset[str]],
) -> float:
    """The weight of the question's words a sentence says (`found`) or its title says (`title_only`).

    A title match counts for the sentences under it ("at Acme" finds Acme's bullets), but for less
    than the sentence's own words. A grading word ("expert" meeting "Skills — Strong") counts only
    beside a word of the question's topic (`grades`, when it has one): "Is he an expert baker?"
    quoted every strong skill before "Pastry and baking" (blind audit).
    """
    if grades and not (found | title_only) - grades:
        return 0.0
    return _once_per_word(found, idf, groups) + 0.5 * _once_per_word(title_only, idf, groups)


def select_sentences(
    asked: str,
    question: frozenset[str],
    sentences: list[Sentence],
    closeness: list[float],
    shape: list[float],
    passages: tuple[Passage, ...],
    each_of: Sequence[Collection[int]] = (),
) -> list[Sentence]:
    """Pick the best sentences, by shared rare words, by meaning and by the answer's shape (`shape`:
    a number for "how many?"), within the budgets, best first. `each_of`: groups of passages (by
    index) whose best sentence each leads, in order ("What are her strengths and weaknesses?" asks
    for two frames; quoted by score alone, one frame's list filled the five places)."""
    hits = [matches(question, said(s, question)) for s in sentences]
    titles = [matches(question, content_stems(p.title)) for p in passages]
    # Weigh each question word by its rarity, so a rare skill outranks a common word.
    idf = {q: 1.0 + math.log((len(sentences) + 1) / (1 + sum(q in h for h in hits))) for q in question}
    idf.update((q, GENERIC_WEIGHT) for q in question & generic_words(asked))
    verdicts = asks_for_a_verdict(asked)
    grades = grading_stems(asked) if has_topic(asked) else frozenset()
    scored: list[tuple[float, Sentence]] = []
    ongoing = ongoing_jobs(asked, passages)
    groups = word_groups(asked)
    for sentence, found, close, fits in zip(sentences, hits, closeness, shape, strict=True):
        if describes_the_job(sentence, passages) or (not verdicts and is_fit_level(sentence)):
            continue  # a job's wording is not her experience; "Weak fit" does not answer "what was her score?"
        if fills_in(sentence, asked, bool(found)):
            continue  # a bare period or contact line needs its own word, or a question asking for it
        words_score = _words_score(found, titles[sentence.passage] - found, idf, grades, groups)
        # A sentence may answer when it shares words with the question, is among the closer
        # half in meaning, or states the number a "how many?" asks for; the best of these are
        # quoted, within the budgets.
        if words_score > 0 or close >= MEANING_BAND or fits:
            now = CURRENT_WEIGHT if sentence.passage in ongoing else 0.0
            scored.append((words_score + MEANING_WEIGHT * close + fits + now, sentence))
    scored.sort(key=lambda item: (-item[0], item[1].passage, item[1].position))
    _lift_the_closest(scored, {id(sentence): close for sentence, close in zip(sentences, closeness, strict=True)})
    leads = [next((s for _, s in scored if s.passage in group), None) for group in each_of]
    firsts = [s for s in leads if s is not None]
    return _within_budgets([*firsts, *(s for _, s in scored if all(s is not first for first in firsts))])


def _within_budgets(ranked: Iterable[Sentence]) -> list[Sentence]:
    """Take `ranked` sentences in order, each text once, up to MAX_SENTENCES and MAX_QUOTE_CHARS."""
    chosen: list[Sentence] = []
    used = 0
    for sentence in ranked:
        repeated = any(sentence.text == other.text for other in chosen)  # a resume may say it twice
        if not repeated and len(chosen) < MAX_SENTENCES and used + len(sentence.text) <= MAX_QUOTE_CHARS:
            chosen.append(sentence)
            used += len(sentence.text)
    return chosen


def _lift_the_closest(scored: list[tuple[float, Sentence]], closeness: dict[int, float]) -> None:
    """Move the sentences closest in meaning up to their places in CLOSEST_AT_WORST, where lower:
    the closest to the first, the next closest to the second."""
    by_meaning = sorted(scored, key=lambda item: -closeness[id(item[1])])  # stable: ties keep their order
    for item, worst in zip(by_meaning, CLOSEST_AT_WORST, strict=False):
        place = next(index for index, entry in enumerate(scored) if entry is item)
        if place >= worst:
            scored.insert(worst - 1, scored.pop(place))
