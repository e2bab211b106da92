"""Turn a recruiter's free-text question into engine queries, and merge what they find.

memvid's lexical engine ANDs the words of a query, so a plain question finds nothing
(SPEC §6). Joining the words with OR is not enough either: one long OR query lets common
words swamp rare ones, and whole sections went missing (PITFALLS, memvid). So each
content word is searched on its own and the rankings are merged by reciprocal-rank
fusion. Only letters and digits ever reach the engine: its query syntax (quotes, colons,
brackets, `*`, AND/OR/NOT...) cannot be typed through this module, whatever the question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from app.retrieval.types import MemvidBackend, Passage

# Letters and digits of any script; everything else, `_` included, separates words.
_WORD = re.compile(r"[^\W_]+")
# A long question must not cost dozens of engine calls; the first content words carry it.
MAX_TERMS = 8
# Hits asked for per word: enough to see past the first few frames.
PER_TERM_K = 10
# Reciprocal-rank fusion constant: small, because a resume has tens of frames, not millions.
RRF_K = 10

STOP_WORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be been before being
    both but by can could did do does doing done down during each either else ever every few
    for from further get gets got had has have having he her here hers herself him himself his
    how i if in into is it its itself just know let like me might more most much must my myself
    no nor not now of off on once only or other our out over own please really same say she
    should so some such tell than that the their theirs them themselves then there these they
    this those through to too under until up us very was we were what when where whether which
    while who whom whose why will with would yes yet you your yours
    candidate candidates experience experienced give any anything kind lot lots person
    someone something thing things way ways well whats good
    """.split()
)
# Engine operators, even lower-cased, never become search words.
_OPERATORS = frozenset({"and", "or", "not", "to"})


def query_terms(question: str) -> list[str]:
    """Return the content words of `question`, lower-cased, in order, without repeats."""
    words = (word.lower() for word in _WORD.findall(question))
    terms = [word for word in words if len(word) > 1 and word not in STOP_WORDS and word not in _OPERATORS]
    return list(dict.fromkeys(terms))[:MAX_TERMS]


def term_query(term: str) -> str:
    """Return the engine query for one word: the word OR its plain English base forms.

    memvid matches stems but then keeps only frames whose text contains a query word
    literally, so "salaries" alone misses a frame that says "salary".
    """
    return " OR ".join(dict.fromkeys([term, *_base_forms(term)]))


def _base_forms(word: str) -> list[str]:
    if not word.isalpha() or len(word) < 4:
        return []
    forms: list[str] = []
    if word.endswith("ies"):
        forms.append(word[:-3] + "y")
    if word.endswith("es"):
        forms.append(word[:-2])
    if word.endswith("s") and not word.endswith("ss"):
        forms.append(word[:-1])
    if word.endswith("ing") and len(word) > 5:
        forms.append(word[:-3])
    if word.endswith("ed") and len(word) > 4:
        forms.extend([word[:-2], word[:-1]])
    return [form for form in forms if len(form) > 2]


def search_passages(backend: MemvidBackend, question: str, *, top_k: int, snippet_chars: int) -> list[Passage]:
    """Return the `top_k` passages that best answer `question`; [] when it has no content words.

    `RetrievalUnavailable` from the backend propagates; a query it rejects finds nothing.
    """
    terms = query_terms(question)
    if not terms or top_k < 1:
        return []
    rankings = [backend.search(term_query(term), top_k=PER_TERM_K, snippet_chars=snippet_chars) for term in terms]
    return fuse_rankings(rankings)[:top_k]


def fuse_rankings(rankings: Sequence[Sequence[Passage]]) -> list[Passage]:
    """Merge rankings by reciprocal-rank fusion, one passage per title, best first."""
    scores: dict[str, float] = {}
    best: dict[str, tuple[int, Passage]] = {}
    for ranking in rankings:
        for rank, passage in enumerate(ranking, start=1):
            scores[passage.title] = scores.get(passage.title, 0.0) + 1.0 / (RRF_K + rank)
            # Keep the snippet from the ranking that placed the frame highest.
            if passage.title not in best or rank < best[passage.title][0]:
                best[passage.title] = (rank, passage)
    ordered = sorted(scores, key=lambda title: (-scores[title], best[title][0]))
    return [replace(best[title][1], score=round(scores[title], 6)) for title in ordered]
