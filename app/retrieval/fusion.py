"""Reciprocal-rank fusion: merge rankings of passages into one, by frame title."""

from __future__ import annotations

from collections.abc import Sequence

from app.retrieval.types import Passage

# Small, because a resume has tens of frames, not millions: rank 1 weighs clearly more than rank 5.
RRF_K = 10


def reciprocal_rank_fusion(rankings: Sequence[Sequence[Passage]]) -> list[tuple[Passage, float]]:
    """Return each frame once with its fused score, best first.

    A frame scores the sum of 1/(RRF_K + rank) over the rankings it appears in; ties go to
    the frame with the better single rank. The passage kept for a frame is the one from its
    best rank.
    """
    scores: dict[str, float] = {}
    best: dict[str, tuple[int, Passage]] = {}
    for ranking in rankings:
        for rank, passage in enumerate(ranking, start=1):
            scores[passage.title] = scores.get(passage.title, 0.0) + 1.0 / (RRF_K + rank)
            if passage.title not in best or rank < best[passage.title][0]:
                best[passage.title] = (rank, passage)
    ordered = sorted(scores, key=lambda title: (-scores[title], best[title][0]))
    return [(best[title][1], scores[title]) for title in ordered]


def top_score(rankings: int) -> float:
    """Return the score of a frame ranked first in each of `rankings` rankings."""
    return rankings / (RRF_K + 1)
