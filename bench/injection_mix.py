"""Choose how the learned detector mixes its readings (bench/train_injection_model.py).

Each reading's window scores come cross-validated (each round scored by a model made without
it); every mix in tenths of the three (neighbours, e5 line, n-grams) gets a threshold per
surface at the benign budget (bench/surface_thresholds.py), and the mix whose model alone blocks
the most attacks, each on its own surface, wins, the worst case breaking ties.
"""

from __future__ import annotations

import itertools
from typing import Protocol

import numpy as np

from app.guardrails.types import SURFACES
from bench.surface_thresholds import Labelled, choose_threshold, described, figures

# (neighbours, e5 line, n-grams): every split in tenths; (0.7, 0.3, 0.0) is the mix before the n-grams.
SHARES = [(a / 10, (10 - a - c) / 10, c / 10) for a in range(11) for c in range(11 - a)]
Readings = dict  # a setting (neighbours, L2 or C) -> every window's cross-validated score


class Windowed(Labelled, Protocol):
    rows: list[np.ndarray]  # each text's window rows


def mixed(parts: np.ndarray, shares: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Window scores (readings `parts`, a column each) mixed as the model mixes them, with the centres
    and spreads used."""
    centres, spreads = np.median(parts, axis=0), parts.std(axis=0)
    return ((parts - centres) / spreads) @ np.array(shares), centres, spreads


def text_scores(data: Windowed, window_scores: np.ndarray) -> np.ndarray:
    """The highest window score of each text."""
    return np.array([window_scores[rows].max() for rows in data.rows])


def choose(data: Windowed, near: Readings, line: Readings, ngram: Readings) -> tuple:
    """Try every mix of the cross-validated readings (by neighbours, L2 and C); return the best one's
    shares, neighbours, L2, n-gram C, thresholds, centres, spreads and figures."""
    results = []
    readings = itertools.product(near.items(), line.items(), ngram.items())
    for ((k, near_windows), (strength, line_windows), (c, ngram_windows)), shares in itertools.product(
        readings, SHARES
    ):
        window_scores, centres, spreads = mixed(np.stack([near_windows, line_windows, ngram_windows], axis=1), shares)
        scores = text_scores(data, window_scores)
        thresholds = {surface: choose_threshold(data, scores, surface) for surface in SURFACES}
        found = figures(data, scores, thresholds)
        print(f"shares {shares}, {k} neighbours, L2 {strength:>6}, n-gram C {c:>4}: " + described(thresholds, found))
        # The rules were written on most tuning rounds, so their share is in-sample: choose by the model
        # alone, each attack on its own surface, then by the worst case.
        key = (found["by surface"][0, 0], found["worst case"][0, 0], shares, k, strength, c)
        results.append((key, shares, k, strength, c, thresholds, centres, spreads, found))
    return max(results, key=lambda result: result[0])[1:]
