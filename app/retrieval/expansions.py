"""Words a question is also searched under lexically, from app/retrieval/expansions.yaml.

Lexical search only matches words the resume uses: a recruiter asking what she "earns"
finds nothing in a section about "salary". The data file holds groups of general job-search
words; this module turns them into a lookup. Semantic search covers what no table can.
"""

from __future__ import annotations

from importlib import resources

import yaml


def _load_expansions() -> dict[str, tuple[str, ...]]:
    text = resources.files(__package__).joinpath("expansions.yaml").read_text(encoding="utf-8")
    expansions: dict[str, list[str]] = {}
    for group in yaml.safe_load(text):
        words = [str(word).casefold() for word in group]
        for word in words:
            expansions.setdefault(word, []).extend(other for other in words if other != word)
    return {word: tuple(dict.fromkeys(others)) for word, others in expansions.items()}


SYNONYMS: dict[str, tuple[str, ...]] = _load_expansions()
