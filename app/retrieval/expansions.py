"""Words a question is also searched under lexically, from app/retrieval/expansions.yaml.

Lexical search only matches words the resume uses: a recruiter asking what she "earns"
finds nothing in a section about "salary". The data file holds groups of general job-search
words; this module turns them into a lookup. Semantic search covers what no table can.
"""

from __future__ import annotations

from importlib import resources

import yaml

from app.text.words import content_words

# Synonyms of each of a question's words that its semantic search also reads (`with_synonyms`):
# the first of its group. Tuning sets (2026-12-06, eighth session), fused, of 434 questions:
# offline facts / answering frame among five / among three: none 335 / 382 / 337; 1: 330 / 383 / 337;
# 2: 335 / 385 / 352; 3: 338 / 387 / 348; 4: 334 / 384 / -; every one: 333 / 382 / -.
SEMANTIC_SYNONYMS = 3


def _load_expansions() -> dict[str, tuple[str, ...]]:
    text = resources.files(__package__).joinpath("expansions.yaml").read_text(encoding="utf-8")
    expansions: dict[str, list[str]] = {}
    for group in yaml.safe_load(text):
        words = [str(word).casefold() for word in group]
        for word in words:
            expansions.setdefault(word, []).extend(other for other in words if other != word)
    return {word: tuple(dict.fromkeys(others)) for word, others in expansions.items()}


SYNONYMS: dict[str, tuple[str, ...]] = _load_expansions()


def with_synonyms(question: str) -> str:
    """Return `question`'s content words followed by the first SEMANTIC_SYNONYMS synonyms of each, or ""
    when none has any: a third view of the question for the embedding ("boss" -> "manager supervisor")."""
    own = content_words(question)
    extra = [synonym for word in own for synonym in SYNONYMS.get(word, ())[:SEMANTIC_SYNONYMS]]
    added = [word for word in dict.fromkeys(extra) if word not in own]
    return " ".join([*own, *added]) if added else ""
