"""How often the offline answer says first that the resume may not answer, on tests/hedge_questions.yaml.

Measured on 2026-12-06 (`uv run python -m tests.hedge_eval --held-out`), real engine and model:

| part | unanswerable hedged | answerable hedged (false) | answerable quoting the fact |
|---|---|---|---|
| tuning, before app/llm/quote_absent.py | 21/65 | 17/120 | 109/120 |
| tuning, after | 51/65 | 23/120 | 109/120 |
| held-out, before | 9/30 | 7/51 | 41/51 |
| held-out, after (read once, at the end) | 19/30 | 10/51 | 41/51 |

The floors are a few questions below, so a regression fails and a near tie does not.
"""

from __future__ import annotations

import hashlib

import pytest

from tests.hedge_eval import Figures, cases, measure

# part -> (least unanswerable hedged, most answerable hedged, least answerable quoting the fact)
FLOORS = {"tuning": (48, 26, 107), "held-out": (17, 12, 39)}


@pytest.fixture(scope="module")
def figures() -> dict[str, Figures]:
    return measure(tuple(FLOORS))


def test_the_set_is_large_and_split_before_tuning() -> None:
    labelled = cases()
    for resume in ("example", "fourth"):
        mine = [case for case in labelled if case.resume == resume]
        assert sum(not case.answerable for case in mine) >= 40
        assert sum(case.answerable for case in mine) >= 40
    assert 0.2 <= sum(case.part == "held-out" for case in labelled) / len(labelled) <= 0.4
    for case in labelled:  # the split the file's header states, fixed when it was written
        held_out = int(hashlib.sha256(case.question.encode()).hexdigest()[:8], 16) % 10 < 3
        assert case.part == ("held-out" if held_out else "tuning")


@pytest.mark.parametrize("part", FLOORS)
def test_unanswerable_questions_are_hedged_and_answerable_ones_still_answered(
    figures: dict[str, Figures], part: str
) -> None:
    hedged, false_hedges, with_fact = FLOORS[part]
    result = figures[part]
    assert result.hedged >= hedged, result.misses if part == "tuning" else None
    assert result.false_hedges <= false_hedges
    assert result.with_fact >= with_fact
