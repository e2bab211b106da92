"""Fit the input guard's learned detector (app/guardrails/injection_model.npz) on the tuning part.

    uv run python -m bench.train_injection_model

Uses only the tuning part of the labelled sets (tests/guardrail_sets.py): round 1's tuning
part and rounds 2-6 and 8; the held-out part (rounds 7 and 9) is never read here. Each text is cut into the
detector's windows and embedded by the service's own model. Logistic regression is fitted
in numpy (Newton's method, L2 penalty, classes weighted to balance). An attack hidden in a
long job description labels only its most attack-like window (chosen by a first model fitted
on single-window texts); its other windows are left out, being neither attack nor benign.

The L2 strength and the threshold are chosen by leave-one-round-out cross-validation within
the tuning part (round 1's tuning part and each later tuning round held out in turn: the
situation of a new round meeting the guard), with the rules beside the model: the lowest
threshold at which rules-or-model block at most BENIGN_BUDGET of the benign texts, then the
strength whose model alone blocks the most attacks there (the rules, tuned on every tuning
round, block them all, so only the model's own figure tells strengths apart; a tie goes to
the stronger penalty). The final model is fitted on the whole tuning part.
"""

from __future__ import annotations

import numpy as np

from app.guardrails.input_guard import find_attack
from app.guardrails.meaning import MODEL_FILE, LinearModel, windows
from app.text.embedding import Embedder
from tests.guardrail_sets import Example, attacks, benign, part

BENIGN_BUDGET = 0.005  # half the 1 % limit: the held-out part has fresh phrasings
STRENGTHS = (0.3, 1.0, 3.0, 10.0, 30.0)
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


def fit_texts(data: Embedded, chosen: np.ndarray, strength: float) -> tuple[np.ndarray, float]:
    """Fit on the texts in `chosen`: every benign window, and each attack's most attack-like window."""
    single = [i for i in chosen if len(data.rows[i]) == 1]
    weights, _ = fit(data.vectors[[data.rows[i][0] for i in single]], data.labels[single], strength)
    rows, labels = [], []
    for i in chosen:
        if data.labels[i]:
            rows.append(data.rows[i][np.argmax(data.vectors[data.rows[i]] @ weights)])
            labels.append(True)
        else:
            rows.extend(data.rows[i])
            labels.extend([False] * len(data.rows[i]))
    return fit(data.vectors[rows], np.array(labels), strength)


def text_scores(data: Embedded, weights: np.ndarray, bias: float, chosen: np.ndarray) -> np.ndarray:
    """The highest window probability of each text in `chosen`."""
    model = LinearModel(weights, bias, 0.0, "")
    return np.array([model.probabilities(data.vectors[data.rows[i]]).max() for i in chosen])


def cross_validated(data: Embedded, strength: float) -> np.ndarray:
    """Each text's score from a model fitted without its round."""
    groups = np.array([example.round for example in data.examples])
    scores = np.zeros(len(data.examples))
    for group in np.unique(groups):
        inside, outside = np.flatnonzero(groups != group), np.flatnonzero(groups == group)
        scores[outside] = text_scores(data, *fit_texts(data, inside, strength), outside)
    return scores


def choose_threshold(data: Embedded, scores: np.ndarray) -> tuple[float, float, float, float]:
    """The lowest threshold keeping rules-or-model benign blocks within budget; with the rates there:
    attacks blocked by the model alone, by rules or model, and benign blocked by rules or model."""
    benign_scores = np.sort(scores[~data.labels & ~data.by_rules])[::-1]
    allowed = int(BENIGN_BUDGET * (~data.labels).sum()) - int((~data.labels & data.by_rules).sum())
    threshold = float(np.nextafter(benign_scores[max(allowed, 0)], 1.0))
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
    results = []
    for strength in STRENGTHS:
        threshold, by_model, caught, false_alarms = choose_threshold(data, cross_validated(data, strength))
        print(
            f"L2 {strength:>5}: threshold {threshold:.3f}; attacks blocked by the model alone {by_model:.1%}, "
            f"by rules or model {caught:.1%}; benign blocked by rules or model {false_alarms:.2%}"
        )
        # The rules were tuned on every tuning round, so they block all its attacks: choose by the model alone.
        results.append((by_model, strength, threshold))
    _, strength, threshold = max(results)
    weights, bias = fit_texts(data, np.arange(len(data.examples)), strength)
    LinearModel(weights.astype(np.float32), bias, threshold, embedder.identity).save(MODEL_FILE)
    print(f"chosen L2 {strength}, threshold {threshold:.3f}; wrote {MODEL_FILE}")


if __name__ == "__main__":
    main()
