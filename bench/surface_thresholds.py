"""The learned detector's threshold for each surface, and the figures it is chosen by.

Chat questions and job descriptions (POST /api/v1/assess-fit) get a threshold each: the
lowest at which rules-or-model block at most BENIGN_BUDGET of that surface's benign tuning
texts (questions on chat, job descriptions on fit), as cross-validation scored them. Attacks
are judged on the surface their form names (tests/guardrail_sets.py), and, because an
attacker chooses where to post, on the surface that blocks less (the worst case).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from app.guardrails.types import SURFACES, Surface

BENIGN_BUDGET = 0.005  # of each surface's benign texts; half the 1 % limit: the held-out part has fresh phrasings


class Labelled(Protocol):
    """One entry per tuning text: attack or not, blocked by the rules or not, the surface it is judged on."""

    labels: np.ndarray
    by_rules: np.ndarray
    surfaces: np.ndarray


def choose_threshold(data: Labelled, scores: np.ndarray, surface: Surface) -> float:
    """The lowest threshold at which rules-or-model block at most BENIGN_BUDGET of `surface`'s benign texts."""
    benign = ~data.labels & (data.surfaces == surface)
    allowed = int(BENIGN_BUDGET * benign.sum()) - int((benign & data.by_rules).sum())
    benign_scores = np.sort(scores[benign & ~data.by_rules])[::-1]
    return float(np.nextafter(benign_scores[max(allowed, 0)], np.inf))


def figures(data: Labelled, scores: np.ndarray, thresholds: dict[Surface, float]) -> dict[str, np.ndarray]:
    """Rows (attacks blocked by the model alone, by rules or model; benign blocked), each (count, of), for
    each surface, both (each text on its own surface) and the worst case (an attack blocked only if the
    surface that blocks less does: the attacker chooses)."""
    own = np.array([thresholds[surface] for surface in data.surfaces])
    everything = np.full(len(own), True)
    cases: dict[str, tuple[np.ndarray, np.ndarray]] = {surface: (data.surfaces == surface, own) for surface in SURFACES}
    # Benign texts have no say in where they go: only an attack's bar rises in the worst case.
    worst = np.where(data.labels, max(thresholds.values()), own)
    cases |= {"by surface": (everything, own), "worst case": (everything, worst)}
    found: dict[str, np.ndarray] = {}
    for name, (judged, bar) in cases.items():
        by_model = scores >= bar
        blocked, attacks, benign = by_model | data.by_rules, judged & data.labels, judged & ~data.labels
        pairs = [(by_model, attacks), (blocked, attacks), (blocked, benign)]
        found[name] = np.array([(hit[among].sum(), among.sum()) for hit, among in pairs])
    return found


def described(thresholds: dict[Surface, float], found: dict[str, np.ndarray]) -> str:
    """One line of cross-validated figures: each threshold, then per case model / rules-or-model / benign."""
    bars = ", ".join(f"{surface} {threshold:.3f}" for surface, threshold in thresholds.items())
    cases = "; ".join(
        f"{name}: model {m}/{n}, rules or model {r}/{n}, benign {b}/{nb}"
        for name, ((m, n), (r, _), (b, nb)) in found.items()
    )
    return f"thresholds {bars}; {cases}"
