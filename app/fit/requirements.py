"""Turn a job description into several searches, one per requirement, and merge what they find.

One query built from a whole job description would keep only its first few words (retrieval
searches at most a handful of terms per question), so each requirement line is searched on
its own and the passages found by the most searches come first.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from app.retrieval.query import query_terms
from app.retrieval.types import Passage

MAX_SEARCHES = 8
MAX_PASSAGES = 8
_PIECE = re.compile(r"\r\n|\r|\n|(?<=[.;!?])\s+")
_LIST_MARK = re.compile(r"^\s*(?:[-*+•·]|\d{1,3}[.)])\s*")
REQUIREMENT_HEADING = re.compile(
    r"require|qualific|must|you have|you bring|skills|what you|nice to have|bonus|experience|profil|anforderung|requisit",
    re.IGNORECASE,
)


def requirement_queries(job_description: str) -> list[str]:
    """Return up to MAX_SEARCHES search texts: requirement lines first, then the other lines."""
    preferred: list[str] = []
    others: list[str] = []
    in_requirements = False
    for piece in (_LIST_MARK.sub("", piece).strip() for piece in _PIECE.split(job_description)):
        heading = piece.startswith("#") or (piece.endswith(":") and len(piece) <= 60)
        if heading:
            in_requirements = REQUIREMENT_HEADING.search(piece) is not None
        if len(query_terms(piece)) < 2:
            continue
        if in_requirements or REQUIREMENT_HEADING.search(piece):
            preferred.append(piece)
        else:
            others.append(piece)
    return list(dict.fromkeys([*preferred, *others]))[:MAX_SEARCHES]


def gather_passages(queries: list[str], search: Callable[[str], list[Passage]]) -> list[Passage]:
    """Search each query; rank passages by how many searches found them, then by their best rank."""
    found: dict[tuple[str, str], tuple[int, int, Passage]] = {}
    for query in queries:
        for rank, passage in enumerate(search(query)):
            key = (passage.title, passage.text)
            hits, best, _ = found.get(key, (0, rank, passage))
            found[key] = (hits + 1, min(best, rank), passage)
    ranked = sorted(found.values(), key=lambda item: (-item[0], item[1]))
    return [passage for _, _, passage in ranked[:MAX_PASSAGES]]
