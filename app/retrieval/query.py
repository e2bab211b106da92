"""Turn a recruiter's question into lexical engine queries, and merge what they find.

memvid's lexical engine ANDs the words of a query, so a plain question finds nothing
(SPEC §6). One OR-joined query is not enough either: before ranking, memvid keeps only
frames whose SimHash sketch lies near the query's, so any one query string silently
skips some frames that contain its words (on the example resume, one single-word lookup
in five missed its frame). So each content word is searched on its own, in a few
spellings that change the query's sketch but not its meaning (plain forms, general
job-search synonyms from expansions.yaml, a salted union), and the per-word rankings
are merged by reciprocal-rank fusion, with a bonus for a word in a frame's title or tags.

Only letters and digits ever reach the engine: its query syntax (quotes, colons,
brackets, `*`, AND/OR/NOT...) cannot be typed through this module, whatever the question.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.retrieval.expansions import SYNONYMS
from app.retrieval.fusion import reciprocal_rank_fusion
from app.retrieval.types import Passage
from app.text.words import content_words, words

# Engine operators, even lower-cased, never become search words.
_OPERATORS = frozenset({"and", "or", "not", "to"})
# A long question must not cost dozens of engine calls; its first content words carry it.
MAX_TERMS = 6
MAX_FORMS = 5
# The engine's tokenizer drops longer tokens; such a "word" is noise anyway.
MAX_WORD = 40
# OR-ed with a term's forms, this matches nothing but moves the query's sketch, so a frame
# the engine's pre-filter skipped for one query string is ranked by another.
SKETCH_SALT = "zqxj"


@dataclass(frozen=True, slots=True)
class Term:
    """A content word of the question and every form it is searched under."""

    word: str
    forms: tuple[str, ...]


def query_terms(question: str) -> list[Term]:
    """Return the content words of `question`, in order, without repeats, with their forms."""
    # The engine sees letters and digits only: "c++" is searched as "c" (and then dropped).
    plain = ("".join(char for char in word if char.isalnum()) for word in content_words(question))
    kept = [word for word in plain if 1 < len(word) <= MAX_WORD and word not in _OPERATORS]
    return [Term(word, _forms(word)) for word in list(dict.fromkeys(kept))[:MAX_TERMS]]


def _forms(word: str) -> tuple[str, ...]:
    plain = [word, *_base_forms(word)]
    return _with_synonyms(plain, plain)[:MAX_FORMS]


def every_form(word: str) -> tuple[str, ...]:
    """Return `word`, its plain forms and their synonyms, nearest first, with no engine-call cap:
    the offline answer reads "thesis" for "dissertation", the seventh of its group. A word with
    synonyms of its own takes only those: "presented" is a talk, not "current" by way of "present"."""
    plain = [word, *_base_forms(word)]
    return _with_synonyms(plain, [word] if word in SYNONYMS else plain)


def _with_synonyms(plain: list[str], expanded: list[str]) -> tuple[str, ...]:
    forms = [*plain, *(synonym for form in expanded for synonym in SYNONYMS.get(form, ()))]
    return tuple(dict.fromkeys(form for form in forms if form not in _OPERATORS))


def _base_forms(word: str) -> list[str]:
    # memvid matches stems, then keeps only frames containing a query word literally:
    # "salaries" alone misses a frame that says "salary". A stemmer gives "salari", which
    # no frame contains, so the plain English forms are spelled out instead.
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


def lookup_queries(phrases: Sequence[str]) -> list[str]:
    """Return the engine queries that look a frame up by any of `phrases` (its heading, a word ingest
    writes in it): each phrase alone (the engine ANDs its words), then their content words OR-ed with
    the salt. The engine's pre-filter skipped a frame for some strings: "personal statement" alone
    missed the summary headed so, which the salted union found (app/retrieval/standard_questions.py)."""
    union = dict.fromkeys(word for phrase in phrases for word in content_words(phrase) if word not in _OPERATORS)
    return [*phrases, " OR ".join([*union, SKETCH_SALT])] if union else list(phrases)


def lexical_ranking(terms: Sequence[Term], found: Sequence[Sequence[Sequence[Passage]]]) -> list[Passage]:
    """Merge what each term's queries found (`found[i]` for `terms[i]`) into one ranking.

    Per term, the best hit of each frame counts; the terms' rankings are then fused. A
    frame whose title or tags hold one of a term's forms counts as ranked once more at the
    top: headings name what a section answers, better than body text does.
    """
    rankings: list[list[Passage]] = []
    for term, results in zip(terms, found, strict=True):
        best: dict[str, Passage] = {}
        for passages in results:
            for passage in passages:
                if passage.title not in best or passage.score > best[passage.title].score:
                    best[passage.title] = passage
        ranking = sorted(best.values(), key=lambda p: p.score, reverse=True)
        rankings.append(ranking)
        rankings.extend([passage] for passage in ranking if _labels_match(term, passage))
    return [passage for passage, _ in reciprocal_rank_fusion(rankings)]


def _labels_match(term: Term, passage: Passage) -> bool:
    labels = set(words(passage.title))
    for tag in passage.tags:
        labels.update(words(tag))
    return not labels.isdisjoint(term.forms)
