"""Fit the input guard's learned detector (app/guardrails/injection_model.npz) on the tuning part.

    uv run python -m bench.train_injection_model

Uses only the tuning part of the labelled sets (tests/guardrail_sets.py): round 1's tuning
part and rounds 2-6, 8, 10, 11, 13, 14, 15 and 18-24; the held-out part (rounds 7, 9, 12, 16 and
17) is never read here. Each text is cut into the detector's windows and embedded by the
service's own model. The model keeps every window of the benign texts and, for each attack,
its most attack-like window: an attack hidden in a long job description is one window among
ordinary ones, chosen by a logistic regression fitted on single-window texts; its other
windows are left out, being neither attack nor benign. A window's score mixes two readings
(app/guardrails/learned_detector.py): its nearness to the attack windows against the ordinary ones (k
nearest each), and a logistic regression's logit (numpy, Newton's method, L2, classes
weighted to balance).

The number of neighbours, the L2 penalty, the share of each reading and the threshold are
chosen by leave-one-round-out cross-validation within the tuning part (round 1's tuning part
and each later tuning round held out in turn: the situation of a new writer's round meeting
the guard), with the rules beside the model: for each surface (chat questions; job descriptions
for POST /api/v1/assess-fit) the lowest threshold at which rules-or-model block at most
BENIGN_BUDGET of that surface's benign texts (bench/surface_thresholds.py), then the choice
whose model alone blocks the most attacks, each on its own surface, with the worst case (each
attack on the surface that blocks less) breaking ties (the rules, tuned on most tuning rounds,
would blur the comparison). Each
reading is centred and scaled by its cross-validated window scores, the figures the shipped
model uses. The final model is made from the whole tuning part.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from functools import partial

import numpy as np

from app.guardrails.input_guard import find_attack
from app.guardrails.learned_detector import MODEL_FILE, InjectionModel, nearness
from app.guardrails.types import SURFACES, Surface
from app.guardrails.windows import windows
from app.text.embedding import Embedder
from bench.surface_thresholds import BENIGN_BUDGET, choose_threshold, described, figures
from tests.guardrail_sets import Example, attacks, benign, part

NEIGHBOURS = (3, 4, 5, 7)
STRENGTHS = (10.0, 100.0, 1000.0)  # the logistic regression's L2 penalty
SHARES = (0.0, 0.3, 0.5, 0.7, 1.0)  # the neighbours' part of the mixed score: 0 is the regression alone
WINDOW_CHOICE_STRENGTH = 3.0  # the regression that picks an attack's window
BATCH = 64


class Embedded:
    """The tuning texts, their windows' vectors and the rules' verdicts."""

    def __init__(self, examples: list[Example], embedder: Embedder) -> None:
        self.examples = examples
        self.windows = [windows(example.text) for example in examples]
        flat = [piece for pieces in self.windows for piece in pieces]
        self.vectors = np.concatenate([embedder.queries(flat[i : i + BATCH]) for i in range(0, len(flat), BATCH)])
        ends = np.cumsum([len(pieces) for pieces in self.windows])
        self.rows = [np.arange(end - len(pieces), end) for end, pieces in zip(ends, self.windows, strict=True)]
        self.labels = np.array([example.attack for example in examples])
        self.by_rules = np.array([find_attack(example.text) is not None for example in examples])
        self.surfaces = np.array([example.surface for example in examples])


def fit(vectors: np.ndarray, labels: np.ndarray, strength: float) -> tuple[np.ndarray, float]:
    """Weighted L2 logistic regression on standardised features; return weights and bias on raw vectors."""
    mean, scale = vectors.mean(axis=0), vectors.std(axis=0) + 1e-6
    x = np.hstack([(vectors - mean) / scale, np.ones((len(vectors), 1))])
    weight = np.where(labels, 0.5 / labels.mean(), 0.5 / (1 - labels.mean()))
    penalty = np.full(x.shape[1], strength)
    penalty[-1] = 0.0  # the bias is not penalised
    beta = np.zeros(x.shape[1])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(x @ beta)))
        gradient = x.T @ (weight * (p - labels)) + penalty * beta
        hessian = (x * (weight * p * (1 - p))[:, None]).T @ x + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    weights = beta[:-1] / scale
    return weights, float(beta[-1] - weights @ mean)


def attack_windows(data: Embedded, chosen: np.ndarray) -> list[int]:
    """The row of each attack in `chosen` that looks most like an attack to a regression fitted on `chosen`."""
    single = [i for i in chosen if len(data.rows[i]) == 1]
    weights, _ = fit(data.vectors[[data.rows[i][0] for i in single]], data.labels[single], WINDOW_CHOICE_STRENGTH)
    return [int(data.rows[i][np.argmax(data.vectors[data.rows[i]] @ weights)]) for i in chosen if data.labels[i]]


def ordinary_windows(data: Embedded, chosen: np.ndarray) -> list[int]:
    """Every row of the benign texts in `chosen`."""
    return [int(row) for i in chosen if not data.labels[i] for row in data.rows[i]]


def near_scores(data: Embedded, chosen: np.ndarray, rows: np.ndarray, *, k: int) -> np.ndarray:
    """Each of `rows`' nearness to the attacks of `chosen` against their ordinary text."""
    attacks, ordinary = data.vectors[attack_windows(data, chosen)], data.vectors[ordinary_windows(data, chosen)]
    return nearness(data.vectors[rows], attacks, ordinary, k)


def regression(data: Embedded, chosen: np.ndarray, strength: float) -> tuple[np.ndarray, float]:
    """The logistic regression fitted on the attack windows and ordinary windows of `chosen`."""
    attack_rows, ordinary_rows = attack_windows(data, chosen), ordinary_windows(data, chosen)
    labels = np.array([True] * len(attack_rows) + [False] * len(ordinary_rows))
    return fit(data.vectors[attack_rows + ordinary_rows], labels, strength)


def logits(data: Embedded, chosen: np.ndarray, rows: np.ndarray, *, strength: float) -> np.ndarray:
    """Each of `rows`' logit by the regression fitted on `chosen`."""
    weights, bias = regression(data, chosen, strength)
    return np.asarray(data.vectors[rows] @ weights + bias)


def cross_validated(data: Embedded, score: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
    """Every window's score from a model made without its text's round: `score(inside texts, rows)`."""
    groups = np.array([example.round for example in data.examples])
    scores = np.zeros(len(data.vectors))
    for group in np.unique(groups):
        inside, outside = np.flatnonzero(groups != group), np.flatnonzero(groups == group)
        rows = np.concatenate([data.rows[i] for i in outside])
        scores[rows] = score(inside, rows)
    return scores


def mixed(near: np.ndarray, logit: np.ndarray, share: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Window scores mixed as the model mixes them, with the centres and spreads used."""
    parts = np.stack([near, logit], axis=1)
    centres, spreads = np.median(parts, axis=0), parts.std(axis=0)
    return ((parts - centres) / spreads) @ np.array([share, 1.0 - share]), centres, spreads


def text_scores(data: Embedded, window_scores: np.ndarray) -> np.ndarray:
    """The highest window score of each text."""
    return np.array([window_scores[rows].max() for rows in data.rows])


def choose(data: Embedded) -> tuple[float, int, float, dict[Surface, float], np.ndarray, np.ndarray, dict]:
    """Cross-validate every mix; return the best one's share, neighbours, L2, thresholds, centres, spreads
    and figures."""
    near = {k: cross_validated(data, partial(near_scores, data, k=k)) for k in NEIGHBOURS}
    line = {strength: cross_validated(data, partial(logits, data, strength=strength)) for strength in STRENGTHS}
    results = []
    for (k, near_windows), (strength, line_windows), share in itertools.product(near.items(), line.items(), SHARES):
        window_scores, centres, spreads = mixed(near_windows, line_windows, share)
        scores = text_scores(data, window_scores)
        thresholds = {surface: choose_threshold(data, scores, surface) for surface in SURFACES}
        found = figures(data, scores, thresholds)
        print(f"neighbour share {share:.1f}, {k:>2} neighbours, L2 {strength:>6}: " + described(thresholds, found))
        # The rules were written on most tuning rounds, so their share is in-sample: choose by the model
        # alone, each attack on its own surface, then by the worst case.
        key = (found["by surface"][0, 0], found["worst case"][0, 0], share, k, strength)
        results.append((key, share, k, strength, thresholds, centres, spreads, found))
    return max(results, key=lambda result: result[0])[1:]


def main() -> None:
    embedder = Embedder()
    data = Embedded(part(attacks(), "tuning") + part(benign(), "tuning"), embedder)
    print(f"tuning: {data.labels.sum()} attacks, {(~data.labels).sum()} benign, {len(data.vectors)} windows")
    print(
        f"rules alone: attacks {data.by_rules[data.labels].mean():.1%}, benign {data.by_rules[~data.labels].mean():.2%}"
    )
    for surface in SURFACES:
        benign_texts = ~data.labels & (data.surfaces == surface)
        print(f"{surface}: {int(BENIGN_BUDGET * benign_texts.sum())} of {benign_texts.sum()} benign texts allowed")
    share, k, strength, thresholds, centres, spreads, found = choose(data)
    everything = np.arange(len(data.examples))
    weights, bias = regression(data, everything, strength)
    InjectionModel(
        attacks=data.vectors[attack_windows(data, everything)],
        ordinary=data.vectors[ordinary_windows(data, everything)],
        k=k,
        weights=weights,
        bias=bias,
        centres=centres,
        spreads=spreads,
        neighbour_share=share,
        thresholds=thresholds,
        embedder_identity=embedder.identity,
    ).save(MODEL_FILE)
    print(f"chosen: neighbour share {share}, {k} neighbours, L2 {strength}; {described(thresholds, found)}")
    print(f"wrote {MODEL_FILE}")


if __name__ == "__main__":
    main()
