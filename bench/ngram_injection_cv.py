"""Experiment: would a character n-gram reading make the input guard's learned detector generalise better?

    uv run --with scikit-learn python -m bench.ngram_injection_cv [--embedded PATH]

A third reading beside the detector's two (nearness to labelled attack windows, and a logistic
regression over their e5 vectors; bench/train_injection_model.py): TF-IDF character n-grams
(and word n-grams) over the guard's normalised views (app/guardrails/views.py: folded
look-alikes, leetspeak read back, spaced letters joined, base64 decoded) and a logistic
regression. It reads either each window (the attack's most attack-like window, as the other two
readings train on it, against every ordinary window) or the whole text (its score then stands
for each of its windows). Everything is cross-validated as the shipped model is chosen: each
tuning round left out in turn (the held-out part is never read), vectoriser and regression
fitted without it, each reading centred and scaled by its cross-validated scores, a threshold
per surface at the benign budget (bench/surface_thresholds.py), then the mix (weights over
neighbours, e5 line and n-gram line, in steps of 0.1) whose model alone blocks the most
left-out attacks on their own surface, the worst case breaking ties. It prints today's mix,
the n-gram reading alone and the best mix with it, and how many left-out rounds each of the
last two gains or loses against today's. `--embedded` keeps the embedded tuning part in a file
(embedding it takes most of a quarter of an hour on 2 cores) and reads it back on the next run.
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from app.guardrails.ngram_reading import read_as
from app.guardrails.types import SURFACES
from bench.ngram_fit import counts, cross_validated_logits
from bench.surface_thresholds import choose_threshold, described, figures
from bench.train_injection_model import (
    NEIGHBOURS,
    STRENGTHS,
    Embedded,
    attack_windows,
    cross_validated,
    loaded,
    logits,
    near_scores,
    ordinary_windows,
)

READERS = {  # name: (character n-gram range, with word 1-2-grams)
    "char 3-5 + word 1-2": ((3, 5), True),
    "char 2-4": ((2, 4), False),
    "char 3-5": ((3, 5), False),
}
INVERSE_L2 = (0.5, 2.0, 8.0)  # scikit-learn's C: higher is a weaker penalty
UNITS = ("window", "text")
STEPS = np.round(np.arange(0.0, 1.01, 0.1), 1)


def ngram_scores(data: Embedded, unit: str, reader: str) -> dict[float, np.ndarray]:
    """Every window's cross-validated n-gram logit, for each C: its own, or its whole text's."""
    groups = np.array([example.round for example in data.examples])
    outside = [np.flatnonzero(groups == group) for group in np.unique(groups)]
    inside = [np.flatnonzero(groups != group) for group in np.unique(groups)]
    if unit == "window":
        blocks = counts([read_as(piece) for pieces in data.windows for piece in pieces], *READERS[reader])
        folds = [(i, np.concatenate([data.rows[t] for t in o])) for i, o in zip(inside, outside, strict=True)]
        return cross_validated_logits(blocks, folds, partial(window_pick, data), INVERSE_L2)
    blocks = counts([read_as(example.text) for example in data.examples], *READERS[reader])
    by_text = cross_validated_logits(
        blocks, list(zip(inside, outside, strict=True)), partial(text_pick, data), INVERSE_L2
    )
    windows_per_text = [len(rows) for rows in data.rows]
    return {c: np.repeat(found, windows_per_text) for c, found in by_text.items()}


def window_pick(data: Embedded, inside: np.ndarray) -> tuple[list[int], list[int]]:
    """The windows the detector's other readings train on: each attack's most attack-like, every ordinary one."""
    return attack_windows(data, inside), ordinary_windows(data, inside)


def text_pick(data: Embedded, inside: np.ndarray) -> tuple[list[int], list[int]]:
    return [int(i) for i in inside if data.labels[i]], [int(i) for i in inside if not data.labels[i]]


def text_scores(starts: np.ndarray, window_scores: np.ndarray) -> np.ndarray:
    """The highest window score of each text (a text's windows are consecutive rows)."""
    return np.maximum.reduceat(window_scores, starts)


def evaluate(data: Embedded, starts: np.ndarray, parts: np.ndarray, weights: np.ndarray) -> tuple:
    """Thresholds and figures of the readings `parts` (one column each) mixed by `weights`."""
    standard = (parts - np.median(parts, axis=0)) / parts.std(axis=0)
    scores = text_scores(starts, standard @ weights)
    thresholds = {surface: choose_threshold(data, scores, surface) for surface in SURFACES}
    return thresholds, figures(data, scores, thresholds), scores


def per_round(data: Embedded, scores: np.ndarray, thresholds: dict) -> dict[int, int]:
    """Left-out attacks the model alone blocks on their own surface, by round."""
    bar = np.array([thresholds[surface] for surface in data.surfaces])
    blocked = (scores >= bar) & data.labels
    return {
        r: int(blocked[[e.round == r for e in data.examples]].sum()) for r in sorted({e.round for e in data.examples})
    }


class Readings:
    """Every window's cross-validated score by each reading and setting, and how to mix them."""

    def __init__(self, data: Embedded) -> None:
        self.data = data
        self.starts = np.array([rows[0] for rows in data.rows])
        self.near = {k: cross_validated(data, partial(near_scores, data, k=k)) for k in NEIGHBOURS}
        self.line = {s: cross_validated(data, partial(logits, data, strength=s)) for s in STRENGTHS}
        self.ngram = {(u, r, c): v for u in UNITS for r in READERS for c, v in ngram_scores(data, u, r).items()}

    def choices(self) -> list[tuple]:
        """(neighbours, L2, unit, reader, C, shares) for every mix; the n-gram alone once per reader and C."""
        found = []
        for k, s, (unit, reader, c) in itertools.product(self.near, self.line, self.ngram):
            for a, b in itertools.product(STEPS, STEPS):
                if a + b < 1.0 + 1e-9 and (a + b > 1e-9 or (k, s) == (NEIGHBOURS[0], STRENGTHS[0])):
                    found.append((k, s, unit, reader, c, (float(a), float(b), round(1.0 - a - b, 1))))
        return found

    def evaluate(self, choice: tuple) -> tuple:
        k, s, unit, reader, c, shares = choice
        parts = np.stack([self.near[k], self.line[s], self.ngram[unit, reader, c]], axis=1)
        return evaluate(self.data, self.starts, parts, np.array(shares))


def nested(readings: Readings, choices: list[tuple]) -> np.ndarray:
    """Choose among `choices` as training would, on every round but one, then count on that round: the
    attacks its model alone blocks on their surface and in the worst case, its benign texts blocked."""
    data = readings.data
    rounds = np.array([example.round for example in data.examples])
    kept = {r: rounds != r for r in np.unique(rounds)}
    best: dict = {r: ((-1, -1), np.zeros(3)) for r in kept}
    for choice in choices:
        _, _, scores = readings.evaluate(choice)
        for r, inside in kept.items():
            subset = Subset(data.labels[inside], data.by_rules[inside], data.surfaces[inside])
            thresholds = {surface: choose_threshold(subset, scores[inside], surface) for surface in SURFACES}
            found = figures(subset, scores[inside], thresholds)
            key = (found["by surface"][0, 0], found["worst case"][0, 0])
            if key > best[r][0]:
                out = figures(Subset(data.labels[~inside], data.by_rules[~inside], data.surfaces[~inside]),
                              scores[~inside], thresholds)  # fmt: skip
                best[r] = (key, np.array([out["by surface"][0, 0], out["worst case"][0, 0], out["by surface"][2, 0]]))
    return np.sum([outcome for _, outcome in best.values()], axis=0)


@dataclass
class Subset:
    labels: np.ndarray
    by_rules: np.ndarray
    surfaces: np.ndarray


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--embedded", type=Path, help="keep the embedded tuning part here (written if missing)")
    parser.add_argument("--nested", action="store_true", help="also choose each mix without the round it is counted on")
    arguments = parser.parse_args()
    readings = Readings(loaded(arguments.embedded))
    results = []
    for choice in readings.choices():
        found = readings.evaluate(choice)[1]
        results.append(((found["by surface"][0, 0], found["worst case"][0, 0]), choice))
    today = [r for r in results if r[1][5][2] == 0.0]
    shipped = next(r for r in today if r[1][:2] == (3, 100.0) and r[1][5] == (0.7, 0.3, 0.0))
    report = {"shipped mix": shipped, "today's best mix": max(today, key=lambda r: r[0])}
    report["n-gram alone"] = max((r for r in results if r[1][5][2] == 1.0), key=lambda r: r[0])
    for unit in UNITS:
        report[f"best mix, n-gram by {unit}"] = max((r for r in results if r[1][2] == unit), key=lambda r: r[0])
    thresholds, _, scores = readings.evaluate(shipped[1])
    base = per_round(readings.data, scores, thresholds)
    for name, (_key, choice) in report.items():
        thresholds, found, scores = readings.evaluate(choice)
        rounds = per_round(readings.data, scores, thresholds)
        gained, lost = sum(rounds[r] > base[r] for r in base), sum(rounds[r] < base[r] for r in base)
        print(f"{name}: {choice}\n  {described(thresholds, found)}\n  rounds gained {gained}, lost {lost}: {rounds}")
    if arguments.nested:
        families = {"today's (no n-grams)": [c for _, c in today if c[2:5] == today[0][1][2:5]]}
        families["with n-grams by window"] = [c for _, c in results if c[2] == "window"]
        for name, choices in families.items():
            model, worst, benign_blocked = nested(readings, choices)
            print(f"nested, {name}: model alone {model} on own surface, {worst} worst case, benign {benign_blocked}")


if __name__ == "__main__":
    main()
