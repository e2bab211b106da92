"""Turn a recruiter's free-text question into engine queries, and merge what they find.

memvid's lexical engine ANDs the words of a query, so a plain question finds nothing
(SPEC §6). One OR-joined query is not enough either: before ranking, memvid keeps only
frames whose SimHash sketch lies near the query's, so any one query string silently
skips some frames that contain its words (on the example resume, one single-word lookup
in five missed its frame). So each content word is searched on its own, in a few
spellings that change the query's sketch but not its meaning (plain forms, recruiter
synonyms, a salted union), and the per-word rankings are merged by reciprocal-rank
fusion, with a bonus for a word in a frame's title or tags.

Only letters and digits ever reach the engine: its query syntax (quotes, colons,
brackets, `*`, AND/OR/NOT...) cannot be typed through this module, whatever the question.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from gevent.pool import Pool
from opentelemetry import trace

from app.retrieval.types import MemvidBackend, Passage
from app.retrieval.vocabulary import STOP_WORDS, SYNONYMS

# Letters and digits of any script; everything else, `_` included, separates words.
_WORD = re.compile(r"[^\W_]+")
# Engine operators, even lower-cased, never become search words.
_OPERATORS = frozenset({"and", "or", "not", "to"})
# A long question must not cost dozens of engine calls; its first content words carry it.
MAX_TERMS = 6
MAX_FORMS = 5
# The engine's tokenizer drops longer tokens; such a "word" is noise anyway.
MAX_WORD = 40
# Hits asked for per query: enough to see past the first few frames.
PER_QUERY_K = 10
# Engine calls of one question in flight at once.
MAX_CONCURRENT_QUERIES = 8
# OR-ed with a term's forms, this matches nothing but moves the query's sketch, so a frame
# the engine's pre-filter skipped for one query string is ranked by another.
SKETCH_SALT = "zqxj"
# Reciprocal-rank fusion constant: small, because a resume has tens of frames, not millions.
RRF_K = 10


@dataclass(frozen=True, slots=True)
class Term:
    """A content word of the question and every form it is searched under."""

    word: str
    forms: tuple[str, ...]


def query_terms(question: str) -> list[Term]:
    """Return the content words of `question`, in order, without repeats, with their forms."""
    # lower() can add combining marks (İ -> i + U+0307) that are not word characters: drop them.
    words = ["".join(char for char in word.lower() if char.isalnum()) for word in _WORD.findall(question)]
    kept = [word for word in words if 1 < len(word) <= MAX_WORD and word not in STOP_WORDS | _OPERATORS]
    return [Term(word, _forms(word)) for word in list(dict.fromkeys(kept))[:MAX_TERMS]]


def _forms(word: str) -> tuple[str, ...]:
    forms = [word, *_base_forms(word)]
    for form in list(forms):
        forms.extend(SYNONYMS.get(form, ()))
    return tuple(dict.fromkeys(form for form in forms if form not in _OPERATORS))[:MAX_FORMS]


def _base_forms(word: str) -> list[str]:
    # memvid matches stems, then keeps only frames containing a query word literally:
    # "salaries" alone misses a frame that says "salary".
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


def term_queries(term: Term) -> list[str]:
    """Return the engine queries for one term: each form alone, then all forms OR-ed with a salt.

    Each distinct query string passes memvid's sketch pre-filter for a different subset of
    frames, so the salted union also catches frames the plain queries were denied.
    """
    return [*term.forms, " OR ".join([*term.forms, SKETCH_SALT])]


def search_passages(backend: MemvidBackend, question: str, *, top_k: int, snippet_chars: int) -> list[Passage]:
    """Return the `top_k` passages that best answer `question`; [] when it has no content words.

    `RetrievalUnavailable` from the backend propagates; a query it rejects finds nothing.
    """
    terms = query_terms(question)
    if not terms or top_k < 1:
        return []
    plan = [(term, query) for term in terms for query in term_queries(term)]
    results = _run_concurrently(backend, [query for _, query in plan], snippet_chars)
    best: dict[Term, dict[str, Passage]] = {term: {} for term in terms}
    for (term, _), passages in zip(plan, results, strict=True):
        for passage in passages:
            seen = best[term].get(passage.title)
            if seen is None or passage.score > seen.score:
                best[term][passage.title] = passage
    rankings = [(term, sorted(found.values(), key=lambda p: p.score, reverse=True)) for term, found in best.items()]
    return fuse_rankings(rankings)[:top_k]


def _run_concurrently(backend: MemvidBackend, queries: list[str], snippet_chars: int) -> list[list[Passage]]:
    # A question costs several engine calls; over gRPC (made cooperative under gevent) they
    # run side by side, so a slow memvid costs one call's latency, not the sum of them.
    # In-process the engine holds a lock, and the greenlets simply take turns.
    # Each greenlet runs in a copy of this context (one copy each: a context cannot be entered
    # twice at once): a spawned greenlet starts empty, and its memvid call would leave the trace.
    context = contextvars.copy_context()
    trace.get_current_span().set_attribute("retrieval.engine_queries", len(queries))
    pool = Pool(MAX_CONCURRENT_QUERIES)
    return pool.map(
        lambda query: context.copy().run(backend.search, query, top_k=PER_QUERY_K, snippet_chars=snippet_chars),
        queries,
    )


def fuse_rankings(rankings: Sequence[tuple[Term, Sequence[Passage]]]) -> list[Passage]:
    """Merge per-term rankings by reciprocal-rank fusion, one passage per title, best first.

    A frame whose title or tags hold one of a term's forms scores as if ranked once more
    at the top: headings name what a section answers, better than body text does.
    """
    scores: dict[str, float] = {}
    best: dict[str, tuple[int, Passage]] = {}
    for term, ranking in rankings:
        for rank, passage in enumerate(ranking, start=1):
            bonus = 1.0 / (RRF_K + 1) if _labels_match(term, passage) else 0.0
            scores[passage.title] = scores.get(passage.title, 0.0) + 1.0 / (RRF_K + rank) + bonus
            if passage.title not in best or rank < best[passage.title][0]:
                best[passage.title] = (rank, passage)
    ordered = sorted(scores, key=lambda title: (-scores[title], best[title][0]))
    return [replace(best[title][1], score=round(scores[title], 6)) for title in ordered]


def _labels_match(term: Term, passage: Passage) -> bool:
    labels = set(_WORD.findall(passage.title.lower()))
    for tag in passage.tags:
        labels.update(_WORD.findall(tag.lower()))
    return not labels.isdisjoint(term.forms)
