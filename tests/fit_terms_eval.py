"""Measure the offline keyword overlap (app/fit/offline.py) on the labelled job descriptions.

    uv run python -m tests.fit_terms_eval        # prints the figures per split

recall: share of the labelled requirements shown (as a match or a gap). precision: share of the
shown items that name a labelled requirement (or an optional term), each requirement once.
noise: shown items a fair reader must never see. sides: labelled matches shown as matches.
levels: verdicts naming the labelled overlap. Misses are printed for the tuning split only.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from app.fit.offline import offline_assessment
from app.resume.profile import parse_profile
from app.retrieval.types import Passage

LABELS = Path(__file__).parent / "fit_terms.yaml"
TUNING = "tune"


def _key(term: str) -> str:
    return re.sub(r"[\W_]+", "", term.casefold())


def _names(labels: list[str]) -> list[set[str]]:
    return [{_key(name) for name in label.split("|")} for label in labels]


def _term(item: str) -> str:
    return item.rsplit(" (", 1)[0]


@dataclass
class Figures:
    required: int = 0
    found: int = 0
    shown: int = 0
    fair: int = 0
    noise: int = 0
    matches: int = 0
    matched: int = 0
    levels: int = 0
    levelled: int = 0
    misses: list[str] = field(default_factory=list)

    def line(self, split: str) -> str:
        return (
            f"| {split} | {_share(self.found, self.required)} | {_share(self.fair, self.shown)} | "
            f"{self.noise} | {_share(self.matched, self.matches)} | {self.levelled}/{self.levels} |"
        )


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.2f}" if whole else "-"


def measure(case: dict, persona: dict, figures: Figures) -> None:
    """Assess one labelled job description and add what it shows to `figures`."""
    skills = {kind: persona[kind] for kind in ("strong", "moderate", "gaps")}
    profile = parse_profile(json.dumps({"name": "Alex Doe", "skills": skills}))
    resume = [Passage("Experience", persona["resume"], 1.0)]
    result = offline_assessment(case["job"], resume, profile, lambda _term: resume)
    matched = [_key(_term(m)) for m in result.key_matches]
    shown = matched + [_key(_term(g)) for g in result.gaps]
    requirements = _names(case["requirements"])
    optional = set().union(*_names(case.get("optional", [])))
    never = {_key(n) for n in case.get("never", [])}
    covered = [r for r in requirements if r & set(shown)]
    figures.required += len(requirements)
    figures.found += len(covered)
    figures.shown += len(shown)
    figures.fair += len(covered) + len([s for s in dict.fromkeys(shown) if s in optional])
    figures.noise += len([s for s in shown if s in never])
    expected_matches = _names(case.get("matches", []))
    figures.matches += len(expected_matches)
    figures.matched += len([m for m in expected_matches if m & set(matched)])
    if "level" in case:
        figures.levels += 1
        figures.levelled += f"{case['level']} overlap" in result.verdict
    if case["split"] == TUNING:
        missing = [sorted(r)[0] for r in requirements if not r & set(shown)]
        unfair = [s for s in shown if not any(s in r for r in requirements) and s not in optional]
        figures.misses.append(f"{case['id']}: {result.verdict}\n  missing {missing} unfair {unfair}")


def evaluate() -> dict[str, Figures]:
    """Return the figures of each split of the labelled set."""
    labels = yaml.safe_load(LABELS.read_text(encoding="utf-8"))
    figures: dict[str, Figures] = {}
    for case in labels["cases"]:
        measure(case, labels["personas"][case["persona"]], figures.setdefault(case["split"], Figures()))
    return figures


def main() -> None:
    figures = evaluate()
    print("| split | recall | precision | noise items | matches as matches | verdict levels |")
    print("|---|---|---|---|---|---|")
    for split, numbers in figures.items():
        print(numbers.line(split))
    for miss in figures[TUNING].misses:
        print(miss)


if __name__ == "__main__":
    main()
