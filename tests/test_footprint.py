"""The approximate memory of cached values (app/state/footprint.py)."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import pytest

from app.state.footprint import approximate_bytes, deep_size


@dataclass(frozen=True, slots=True)
class Entry:
    title: str
    tags: tuple[str, ...]


def test_an_entry_counts_what_it_holds_once():
    text = "x" * 1000
    entry = Entry(text, (text, "cloud"))
    expected = sys.getsizeof(entry) + sys.getsizeof(text) + sys.getsizeof(entry.tags) + sys.getsizeof("cloud")
    assert deep_size(entry) == expected


@pytest.mark.parametrize(
    "value",
    [{"k": "v" * 500}, ["v" * 500], {"v" * 500}, type("Plain", (), {})],
)
def test_containers_and_objects_include_their_contents(value):
    assert deep_size(value) >= sys.getsizeof(value)
    if not isinstance(value, type):
        assert deep_size(value) > 500


def test_the_walk_is_bounded():
    nested: list[object] = []
    for _ in range(10_000):
        nested = [nested]
    assert deep_size(nested, max_objects=100) == 100 * sys.getsizeof([[]])


def test_a_sample_is_scaled_to_the_whole_cache():
    entries = [("key", "v" * 100)] * 1000
    one = deep_size(entries[0])
    assert approximate_bytes(iter(entries), 1000, sample=10) == (one * 1000, 10)
    assert approximate_bytes(iter([]), 0) == (0, 0)
