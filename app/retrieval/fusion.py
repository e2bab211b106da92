"""Reciprocal-rank fusion: merge rankings of passages into one, by frame title."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from app.retrieval.types import Passage

# Small, because a resume has tens of frames, not millions: rank 1 weighs clearly more than rank 5.
RRF_K = 10


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[Passage]], weights: Sequence[float] | None = None
) -> list[tuple[Passage, float]]:
    """Return each frame once with its fused score, best first.

    A frame scores the sum of weight/(RRF_K + rank) over the rankings it appears in (each
    weight 1 unless given); ties go to the frame with the better single rank. The passage
    kept for a frame is the one from its best rank.
    """
    scores: dict[str, float] = {}
    best: dict[str, tuple[int, Passage]] = {}
    for ranking, weight in zip(rankings, weights or [1.0] * len(rankings), strict=True):
        for rank, passage in enumerate(ranking, start=1):
            scores[passage.title] = scores.get(passage.title, 0.0) + weight / (RRF_K + rank)
            if passage.title not in best or rank < best[passage.title][0]:
                best[passage.title] = (rank, passage)
    ordered = sorted(scores, key=lambda title: (-scores[title], best[title][0]))
    return [(best[title][1], scores[title]) for title in ordered]


def top_score(weights: Sequence[float]) -> float:
    """Return the score of a frame ranked first in every ranking of these weights."""
    return sum(weights) / (RRF_K + 1)


def put_in(chosen: list[Passage], passage: Passage, place: int, top_k: int) -> list[Passage]:
    """`chosen` with `passage` at `place` (1-based; last of fewer), keeping at most `top_k`.

    It takes the score of the place it takes: `sources` lists the passages best first with their
    scores (SPEC §2), and a frame put in by a rule (the fit example, the frame a standard question
    asks for) ranks where the rule puts it; its own score (0 for a frame only looked up) read as
    a fall in the middle of the list.
    """
    index = min(place, top_k, len(chosen) + 1) - 1
    neighbour = chosen[index] if index < len(chosen) else chosen[-1] if chosen else passage
    placed = replace(passage, score=neighbour.score)
    return [*chosen[:index], placed, *chosen[index : top_k - 1]]
