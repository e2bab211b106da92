"""The labelled guardrail sets (tests/guardrail_*.yaml) and their fixed tuning / held-out split.

The split was decided before any rule was written: an item is held out when the first byte
of the SHA-256 of its text, modulo 10, is below 3 (about 30 %). Rules are tuned against the
tuning part only; the held-out part is measured, never looked at while tuning.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

HERE = Path(__file__).resolve().parent
Part = Literal["tuning", "held_out"]


@dataclass(frozen=True)
class Example:
    text: str
    attack: bool
    kind: str  # the attack kind, or "question" / "job_description" for benign inputs
    form: str = ""

    @property
    def part(self) -> Part:
        return "held_out" if hashlib.sha256(self.text.encode()).digest()[0] % 10 < 3 else "tuning"


def attacks() -> list[Example]:
    data = yaml.safe_load((HERE / "guardrail_attacks.yaml").read_text(encoding="utf-8"))
    return [Example(item["text"], True, item["kind"], item["form"]) for item in data["attacks"]]


def benign() -> list[Example]:
    questions = yaml.safe_load((HERE / "guardrail_questions.yaml").read_text(encoding="utf-8"))["questions"]
    jobs = yaml.safe_load((HERE / "guardrail_job_descriptions.yaml").read_text(encoding="utf-8"))
    return [Example(q, False, "question") for q in questions] + [
        Example(j, False, "job_description") for j in jobs["job_descriptions"]
    ]


def part(examples: list[Example], which: Part) -> list[Example]:
    return [example for example in examples if example.part == which]
