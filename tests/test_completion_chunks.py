"""What one chunk of an OpenAI-style stream means: its text, its finish and its usage."""

from __future__ import annotations

import pytest

from app.llm.completion_chunks import CompletionState
from app.llm.types import Usage


def usage_of(raw_usage: str) -> Usage | None:
    state = CompletionState()
    state.consume('{"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], "usage": ' + raw_usage + "}")
    return state.usage


@pytest.mark.parametrize(
    ("raw_usage", "expected"),
    [
        ('{"prompt_tokens": 10, "completion_tokens": 5, "cost": 0.001}', Usage(10, 5, 15, 0.001)),
        ('{"prompt_tokens": 10.0, "completion_tokens": 5.0, "total_tokens": 15.0}', Usage(10, 5, 15, None)),
        ('{"prompt_tokens": 10, "completion_tokens": 5, "cost": 1e400}', Usage(10, 5, 15, None)),
        (
            '{"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 1000000000000000000000000000000}',
            Usage(10, 5, 15, None),
        ),
        ('{"prompt_tokens": -3, "completion_tokens": 2.5, "cost": -1, "total_tokens": true}', Usage(0, 0, 0, None)),
    ],
    ids=["plain", "whole floats", "infinite cost", "absurd total", "nonsense"],
)
def test_a_usage_no_answer_can_have_counts_as_unreported(raw_usage, expected):
    # An infinite cost made the cost counter +Inf for good; 10**30 tokens went to the client.
    assert usage_of(raw_usage) == expected


def test_an_emoji_whose_surrogate_halves_come_in_two_chunks_is_relayed_whole():
    # A server escaping each chunk on its own splits U+1F600 into "\\ud83d" and "\\ude00":
    # each half was relayed alone (and sent as "?"), while the stored answer had the emoji.
    state = CompletionState()
    texts = [
        state.consume('{"choices": [{"index": 0, "delta": {"content": "Hi \\ud83d"}}]}'),
        state.consume('{"choices": [{"index": 0, "delta": {"content": "\\ude00 there"}}]}'),
    ]

    assert texts == ["Hi ", "\U0001f600 there"]


def test_a_lone_high_surrogate_at_the_end_is_not_lost():
    state = CompletionState()
    assert state.consume('{"choices": [{"index": 0, "delta": {"content": "end \\ud83d"}}]}') == "end "
    assert state.held_text() == "\ud83d"
