"""An acronym and the words it stands for, matched across a question and a sentence.

Resumes write "Epic (EHR)", "ICU", "CRM", "KPIs"; recruiters ask about "electronic health
records" or "customer relationship management", and the other way round. No word is shared,
so the offline answer said no sentence used the question's words while quoting the one that
answered. Here a question's run of words matches a sentence's acronym of their initials, and a
question's acronym matches a sentence's run of words: as keys the two sides share, so they
count like a shared word (prefixed, so they never meet a stem).
"""

from __future__ import annotations

import re

from app.text.words import STOP_WORDS

MIN_RUN, MAX_RUN = 2, 5  # words an acronym stands for
# Written in capitals, 2-6 letters, maybe a plural "s" ("KPIs"): "IT" and "US" too, which stand
# for words as well. A sentence's capitals only meet a question's runs, so "US" meets "us" never.
_WRITTEN = re.compile(r"\b([A-Z][A-Z&]{1,5})s?\b")
_WORD = re.compile(r"[^\W_]+")
SPELT, WRITTEN = "^", "_"  # a question's runs meet a sentence's capitals; its capitals, the sentence's runs
# "P&L", "R&D", "M&A" stand for two words joined by "and" ("profit and loss"): a stop word, which
# ends a run, so such a pair is read on its own and keyed with its "&".
_PAIR = re.compile(r"(?=\b([^\W\d_])[^\W_]*\s+(?:and|&)\s+([^\W\d_])[^\W_]*)", re.IGNORECASE)


def question_keys(question: str) -> frozenset[str]:
    """The keys of `question`: the initials of its word runs, and the acronyms it writes."""
    spelt = _runs(question) | _pairs(question)
    return frozenset({SPELT + a for a in spelt} | {WRITTEN + a for a in _written(question)})


def sentence_keys(sentence: str, question: frozenset[str]) -> frozenset[str]:
    """The keys of `sentence` that could meet `question`'s: its acronyms, and the initials of its
    runs of capitalised words when the question writes an acronym. Capitalised only: the many
    runs of a long sentence's lower-case words spell a question's "AWS" by chance ("automated
    weekly sales"); "Amazon Web Services", "Electronic Health Records" are written so."""
    keys = {SPELT + a for a in _written(sentence)}
    if any(key.startswith(WRITTEN) for key in question):
        keys |= {WRITTEN + a for a in _runs(sentence, capitalised=True)}
    if any(key.startswith(WRITTEN) and "&" in key for key in question):
        keys |= {WRITTEN + a for a in _pairs(sentence)}  # "P&L" asked, "profit and loss" written
    return frozenset(keys)


def _written(text: str) -> set[str]:
    return {match.casefold() for match in _WRITTEN.findall(text)}


def _pairs(text: str) -> set[str]:
    """The "&" acronym of every two words joined by "and": "profit and loss" -> "p&l"."""
    return {f"{first}&{second}".casefold() for first, second in _PAIR.findall(text)}


def _runs(text: str, *, capitalised: bool = False) -> set[str]:
    """The initials of every run of 2-5 words without a stop word: "electronic health record" -> "ehr"."""
    found: set[str] = set()
    run: list[str] = []
    for word in [*_WORD.findall(text), ""]:
        if word and word.casefold() not in STOP_WORDS and word[0].isalpha() and (word[0].isupper() or not capitalised):
            run.append(word[0].casefold())
            continue
        for length in range(MIN_RUN, MAX_RUN + 1):
            found.update("".join(run[start : start + length]) for start in range(len(run) - length + 1))
        run = []
    return found
