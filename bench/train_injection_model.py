"""Fit the input guard's learned detector (app/guardrails/injection_model.npz) on the tuning part.

    uv run python -m bench.train_injection_model

Uses only the tuning part of the labelled sets (tests/guardrail_sets.py): round 1's tuning
part and rounds 2-6, 8, 10 and 11; the held-out part (rounds 7, 9 and 12) is never read here.
Each text is cut into the detector's windows and embedded by the service's own model. The
model keeps every window of the benign texts and, for each attack, its most attack-like
window: an attack hidden in a long job description is one window among ordinary ones, chosen
by a logistic regression (numpy, Newton's method, L2, classes weighted to balance) fitted on
single-window texts; its other windows are left out, being neither attack nor benign.

The number of neighbours and the threshold are chosen by leave-one-round-out
cross-validation within the tuning part (round 1's tuning part and each later tuning round
held out in turn: the situation of a new writer's round meeting the guard), with the rules
beside the model: the lowest threshold at which rules-or-model block at most BENIGN_BUDGET
of the benign texts, then the number whose model alone blocks the most attacks there (the
rules, tuned on every tuning round, block them all, so only the model's own figure tells the
choices apart; a tie goes to more neighbours). The same cross-validation also reports the
logistic regression this model replaced, scored the same way, for comparison. The final
model keeps the whole tuning part.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

from app.guardrails.input_guard import find_attack
from app.guardrails.meaning import MODEL_FILE, NeighbourModel, windows
from app.text.embedding import Embedder
from tests.guardrail_sets import Example, attacks, benign, part

BENIGN_BUDGET = 0.005  # half the 1 % limit: the held-out part has fresh phrasings
NEIGHBOURS = (1, 3, 4, 5, 7, 10)
STRENGTHS = (1.0, 10.0, 100.0)  # the logistic regression's, reported for comparison only
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


def neighbours(data: Embedded, chosen: np.ndarray, k: int, identity: str = "") -> NeighbourModel:
    """The model made of the texts in `chosen`, with no threshold yet."""
    return NeighbourModel(
        data.vectors[attack_windows(data, chosen)], data.vectors[ordinary_windows(data, chosen)], k, 0.0, identity
    )


def neighbour_scores(data: Embedded, chosen: np.ndarray, scored: np.ndarray, *, k: int) -> np.ndarray:
    """The score of each text in `scored` by the model made of the texts in `chosen`."""
    return text_scores(neighbours(data, chosen, k), data, scored)


def regression_scores(data: Embedded, chosen: np.ndarray, scored: np.ndarray, *, strength: float) -> np.ndarray:
    """The highest window logit of each text in `scored`, by a regression fitted on `chosen` (comparison only)."""
    attack_rows, ordinary_rows = attack_windows(data, chosen), ordinary_windows(data, chosen)
    labels = np.array([True] * len(attack_rows) + [False] * len(ordinary_rows))
    weights, bias = fit(data.vectors[attack_rows + ordinary_rows], labels, strength)
    return np.array([(data.vectors[data.rows[i]] @ weights + bias).max() for i in scored])


def cross_validated(data: Embedded, score: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
    """Each text's score from a model made without its round: `score(inside, outside)`."""
    groups = np.array([example.round for example in data.examples])
    scores = np.zeros(len(data.examples))
    for group in np.unique(groups):
        inside, outside = np.flatnonzero(groups != group), np.flatnonzero(groups == group)
        scores[outside] = score(inside, outside)
    return scores


def text_scores(model: NeighbourModel, data: Embedded, scored: np.ndarray) -> np.ndarray:
    """The highest window score of each text in `scored`."""
    return np.array([model.scores(data.vectors[data.rows[i]]).max() for i in scored])


def choose_threshold(data: Embedded, scores: np.ndarray) -> tuple[float, float, float, float]:
    """The lowest threshold keeping rules-or-model benign blocks within budget; with the rates there:
    attacks blocked by the model alone, by rules or model, and benign blocked by rules or model."""
    benign_scores = np.sort(scores[~data.labels & ~data.by_rules])[::-1]
    allowed = int(BENIGN_BUDGET * (~data.labels).sum()) - int((~data.labels & data.by_rules).sum())
    threshold = float(np.nextafter(benign_scores[max(allowed, 0)], np.inf))
    blocked = data.by_rules | (scores >= threshold)
    by_model = scores[data.labels] >= threshold
    return threshold, by_model.mean(), blocked[data.labels].mean(), blocked[~data.labels].mean()


def main() -> None:
    embedder = Embedder()
    data = Embedded(part(attacks(), "tuning") + part(benign(), "tuning"), embedder)
    print(f"tuning: {data.labels.sum()} attacks, {(~data.labels).sum()} benign, {len(data.vectors)} windows")
    print(
        f"rules alone: attacks {data.by_rules[data.labels].mean():.1%}, benign {data.by_rules[~data.labels].mean():.2%}"
    )
    for strength in STRENGTHS:
        scores = cross_validated(data, partial(regression_scores, data, strength=strength))
        _, by_model, caught, false_alarms = choose_threshold(data, scores)
        print(
            f"logistic regression, L2 {strength:>5}: attacks blocked by the model alone {by_model:.1%}, "
            f"by rules or model {caught:.1%}; benign blocked by rules or model {false_alarms:.2%}"
        )
    results = []
    for k in NEIGHBOURS:
        scores = cross_validated(data, partial(neighbour_scores, data, k=k))
        threshold, by_model, caught, false_alarms = choose_threshold(data, scores)
        print(
            f"{k:>2} neighbours: threshold {threshold:.3f}; attacks blocked by the model alone {by_model:.1%}, "
            f"by rules or model {caught:.1%}; benign blocked by rules or model {false_alarms:.2%}"
        )
        # The rules were tuned on every tuning round, so they block all its attacks: choose by the model alone.
        results.append((by_model, k, threshold))
    _, k, threshold = max(results)
    model = neighbours(data, np.arange(len(data.examples)), k, embedder.identity)
    NeighbourModel(model.attacks, model.ordinary, k, threshold, embedder.identity).save(MODEL_FILE)
    print(f"chosen {k} neighbours, threshold {threshold:.3f}; wrote {MODEL_FILE}")


if __name__ == "__main__":
    main()
