"""Reading a blind writer's labelled questions (`tests/data/*_questions_*.yaml`) through a grammar.

Each file lists its writers' names in its header ("# ... names: Priya Tom"): a named question is
read as the chat turn reads it, with the name as "the candidate" (app/text/candidate_name.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path

import yaml

from app.text.candidate_name import about_the_candidate

DATA = Path(__file__).parent / "data"


def read_by_kind(
    file: str, asked: Callable[[str], str | None], wanted: Mapping[str, str | None]
) -> dict[str, tuple[int, int]]:
    """For each kind (`asks`) in `file`: how many of its questions `asked` reads as `wanted[kind]`, of how many."""
    text = (DATA / file).read_text(encoding="utf-8")
    names = [
        name for line in re.findall(r"^# .*names: (.*)$", text, re.MULTILINE | re.IGNORECASE) for name in line.split()
    ]
    read: dict[str, tuple[int, int]] = {}
    for item in yaml.safe_load(text):
        question = item["question"]
        for name in names:
            question = about_the_candidate(question, name)
        hits, count = read.get(item["asks"], (0, 0))
        read[item["asks"]] = (hits + (asked(question) == wanted[item["asks"]]), count + 1)
    return read


def shares_read(file: str, asked: Callable[[str], str], kind: str) -> tuple[float, float, int]:
    """For a file of one `kind` of question and near misses (`asks: none`): the share of that kind
    `asked` reads as it, the share of the near misses it leaves alone ("none"), and the smaller count."""
    read = read_by_kind(file, asked, {kind: kind, "none": "none"})
    (hits, count), (left, others) = read[kind], read["none"]
    return hits / count, left / others, min(count, others)


def assert_read(file: str, asked: Callable[[str], str], kind: str, at_least: float, left_alone: float) -> None:
    """Assert that `asked` reads at least `at_least` of `file`'s questions of `kind` as it and leaves at
    least `left_alone` of its near misses alone, over 60 or more of each."""
    read, left, fewest = shares_read(file, asked, kind)
    assert fewest >= 60
    assert read >= at_least, (file, read)
    assert left >= left_alone, (file, left)
