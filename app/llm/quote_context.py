"""What a quoted sentence brings along: the list it announces, the outright answer of its frame.

The offline answerer picks sentences one by one; some answer nothing alone ("Strongest
skills:"), and some frames hold their plain answer in a sentence that shares no word with the
question (an FAQ answer's "Yes, for nine years.", a fit example's `Fit level:`).
"""

from __future__ import annotations

import re
import unicodedata

from app.llm.quote_filler import asks_for_a_fact
from app.resume.sections import EXPERIENCE_LABELS, FIT_LABELS, WRITTEN_LEADS, is_fit_example
from app.retrieval.types import Passage
from app.text.sentences import Sentence
from app.text.words import content_stems

MAX_LEAD_CHARS = 200  # an added outright answer; a longer first sentence is no short answer
# "Fit level: Strong fit", also written "**Fit level:** Strong fit" (SPEC §10 labels may be bold).
_FIT_LEVEL = re.compile(r"[*_]*fit level[*_]*:", re.IGNORECASE)
_ABOUT_THE_JOB = re.compile(r"[*_]*(?:job description|role)[*_]*:", re.IGNORECASE)
# A fit example's verdict does not answer a question asking for a fact, unless it asks about fit.
_ASKS_ABOUT_FIT = re.compile(r"\b(?:fit|fits|suit|suits|suited|suitable|match|matches|hire|recommend)\b", re.IGNORECASE)


def describes_the_job(sentence: Sentence, passages: tuple[Passage, ...]) -> bool:
    """Whether `sentence` is a fit example's `Job description:` or `Role:` line.

    It says what a job asked for, not what the candidate did: quoted for "has she renovated
    buildings?", "Job description: lead renovation sites in Madrid" reads as her experience.
    """
    return is_fit_example(passages[sentence.passage].title) and bool(_ABOUT_THE_JOB.match(sentence.text))


def asks_for_a_verdict(question: str) -> bool:
    """Whether a fit example's `Fit level:` may answer `question`: not when it asks for a fact,
    unless it asks about fit in so many words ("What do you think of her fit for…?")."""
    return not asks_for_a_fact(question) or _ASKS_ABOUT_FIT.search(question) is not None


def is_fit_level(sentence: Sentence) -> bool:
    return _FIT_LEVEL.match(sentence.text) is not None


def with_announced_lists(
    chosen: list[Sentence], sentences: list[Sentence], budget: int
) -> tuple[list[Sentence], dict[int, int]]:
    """Add the items a chosen sentence ending in a colon announces, within the character budget.

    "Work history: the companies worked for …:" or "Strongest skills:" answers nothing by
    itself; the list after it is the answer, and its items rarely share the question's words.
    `chosen` is best first, and a list comes before the sentences ranked below its lead: "List
    the employers she has had" quoted two skill gaps whole and three of four employers.
    Also returns how many items of each passage's list the budget left out: an answer that
    drops the last job of a work history without saying so reads as the whole history.
    """
    picked: list[Sentence] = []
    left_out: dict[int, int] = {}
    for sentence in chosen:
        if sentence in picked:
            continue  # an item the lead of its list, ranked above it, brought already
        used = sum(len(s.text) for s in picked)
        if picked and used + len(sentence.text) > budget:
            continue  # a list announced by a better sentence took its room
        picked.append(sentence)
        if sentence.text.rstrip().endswith(":"):
            items, left = _items_within(sentence, sentences, picked, used + len(sentence.text), budget)
            picked.extend(items)
            if left:
                left_out[sentence.passage] = left
    return picked, left_out


def _items_within(
    lead: Sentence, sentences: list[Sentence], quoted: list[Sentence], used: int, budget: int
) -> tuple[list[Sentence], int]:
    """The items `lead` announces that fit the budget, and how many were left out. An item chosen
    for itself but ranked below the lead counts as one of them: dropped, it was left out too."""
    following = [s for s in sentences if s.passage == lead.passage and s.position > lead.position and s not in quoted]
    items: list[Sentence] = []
    for count, item in enumerate(sorted(following, key=lambda s: s.position)):
        # The first item comes even past the budget: a lead quoted alone ("Work history:
        # …: (and 4 more listed there)") named no company at all.
        if count > 0 and used + len(item.text) > budget:
            return items, len(following) - count
        items.append(item)
        used += len(item.text)
    return items, 0


def with_direct_answers(
    chosen: list[Sentence], sentences: list[Sentence], passages: tuple[Passage, ...], question: str
) -> list[Sentence]:
    """Add the sentence that answers outright in each quoted FAQ answer or fit example.

    A frame titled by a question is an FAQ answer (SPEC §10), and its first sentence is the
    plain answer ("Yes, for nine years.") that the sentences after it explain; a fit example's
    verdict answers "would she suit…?" only with its `Fit level:` line. Both are short, so
    they are added past the character budget. Not a verdict under a question asking for a fact:
    "What was her LSAT score?" was answered "Fit level: Weak fit." (blind audit).
    """
    quoted = {s.passage for s in chosen}
    faq = {i for i in quoted if unicodedata.normalize("NFKC", passages[i].title).rstrip().endswith("?")}  # or U+FF1F
    fit = {i for i in quoted if is_fit_example(passages[i].title) and asks_for_a_verdict(question)}
    leads = [s for s in sentences if (s.passage in faq and s.position == 0) or (s.passage in fit and is_fit_level(s))]
    return [*chosen, *(lead for lead in leads if lead not in chosen and len(lead.text) <= MAX_LEAD_CHARS)]


def in_the_resume(sentences: list[Sentence]) -> list[Sentence]:
    """Leave out the leads ingest wrote over a list ("Work history: the companies worked for…:"):
    they helped find the list, but an answer "quoted directly from the resume" must not quote
    the service's words as the candidate's. The list's items stay."""
    return [s for s in sentences if s.text not in WRITTEN_LEADS] or sentences


# The resume format's own labels ("Period:", "Fit level:", "Key matches:"): a sentence's label is
# the format's word, not the candidate's, so it shares no word with a question.
_FORMAT_LABEL = re.compile(
    r"(?:"
    + "|".join(re.escape(label) for label in sorted({*EXPERIENCE_LABELS, *FIT_LABELS}, key=len, reverse=True))
    + r"):",
    re.IGNORECASE,
)


# The open end of a date range ("2021 - present", "2019 to date") means "current", and only that:
# "Period: 2021 - present." was quoted first for "has she presented at events?" ("presented" and
# "present" share a stem). Read as "current", it still answers "her current role?".
_OPEN_END = re.compile(r"(?<=\d)(\s*(?:[-\u2010-\u2015]|to|until|till)\s*)(?:present|current|now|today|date)\b", re.I)


def words_said(sentence: Sentence) -> frozenset[str]:
    """The stems `sentence` says, without a format label's: "Fit level: weak." was quoted for "what
    were the vancomycin trough levels?", "Period: 2018 - 2021" for "what is her notice period?";
    an open date range's end is said as "current"."""
    label = _FORMAT_LABEL.match(sentence.text)
    said = sentence.text[label.end() :] if label else sentence.text
    if not label and not _OPEN_END.search(said):
        return sentence.stems
    return content_stems(_OPEN_END.sub(r"\1current", said))
