"""Fit the input guard's learned detector (app/guardrails/injection_model.npz) on the tuning part.

    uv run --with scikit-learn python -m bench.train_injection_model [--embedded PATH]

Uses only the tuning part of the labelled sets (tests/guardrail_sets.py): round 1's tuning
part and rounds 2-6, 8, 10, 11, 13, 14, 15, 18-24, 26, 27, 29, 31, 32 and 34-36; the held-out part (rounds
7, 9, 12, 16, 17, 25, 28, 30 and 33) is never read here. Each text is cut into the detector's windows and embedded by the
service's own model. The model keeps every window of the benign texts and, for each attack,
its most attack-like window: an attack hidden in a long job description is one window among
ordinary ones, chosen by a logistic regression fitted on single-window texts; its other
windows are left out, being neither attack nor benign. A window's score mixes three readings
(app/guardrails/learned_detector.py): its nearness to the attack windows against the ordinary ones (k
nearest each), a logistic regression's logit over its e5 vector (numpy, Newton's method, L2,
classes weighted to balance), and a logistic regression's logit over the TF-IDF character
3-5-grams and word 1-2-grams of its normalised views (app/guardrails/ngram_reading.py; fitted by
scikit-learn, bench/ngram_fit.py, which the service does not need).

The number of neighbours, the two L2 penalties, the share of each reading and the thresholds are
chosen by leave-one-round-out cross-validation within the tuning part (round 1's tuning part
and each later tuning round held out in turn: the situation of a new writer's round meeting
the guard), with the rules beside the model: for each surface (chat questions; job descriptions
for POST /api/v1/assess-fit) the lowest threshold at which rules-or-model block at most
BENIGN_BUDGET of that surface's benign texts (bench/surface_thresholds.py), then the choice
whose model alone blocks the most attacks, each on its own surface, with the worst case (each
attack on the surface that blocks less) breaking ties (the rules, tuned on most tuning rounds,
would blur the comparison; bench/injection_mix.py). Each reading is centred and scaled by its
cross-validated window scores, the figures the shipped model uses. The final model is made from
the whole tuning part. `--embedded` keeps the embedded tuning part in a file, or reads it back
(embedding is most of the run's quarter of an hour on 2 cores).
"""

from __future__ import annotations

import argparse
import pickle
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

from app.guardrails.input_guard import find_attack
from app.guardrails.learned_detector import MODEL_FILE, InjectionModel, nearness
from app.guardrails.ngram_reading import read_as
from app.guardrails.types import SURFACES
from app.guardrails.windows import windows
from app.text.embedding import Embedder
from bench.injection_mix import choose
from bench.ngram_fit import CHARACTERS, counts, cross_validated_logits, fit_reader
from bench.surface_thresholds import BENIGN_BUDGET, described
from tests.guardrail_sets import Example, attacks, benign, part

NEIGHBOURS = (3, 4, 5, 7)
STRENGTHS = (10.0, 100.0, 1000.0)  # the logistic regression's L2 penalty
INVERSE_L2S = (2.0, 8.0, 32.0)  # the n-gram regression's C (scikit-learn's: higher is a weaker penalty)
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


def folds(data: Embedded) -> list[tuple[np.ndarray, np.ndarray]]:
    """Leave one round out: for each round, the texts of the others and the window rows of its own."""
    groups = np.array([example.round for example in data.examples])
    found = []
    for group in np.unique(groups):
        inside, outside = np.flatnonzero(groups != group), np.flatnonzero(groups == group)
        found.append((inside, np.concatenate([data.rows[i] for i in outside])))
    return found


def cross_validated(data: Embedded, score: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
    """Every window's score from a model made without its text's round: `score(inside texts, rows)`."""
    scores = np.zeros(len(data.vectors))
    for inside, rows in folds(data):
        scores[rows] = score(inside, rows)
    return scores


def ngram_logits(data: Embedded) -> dict[float, np.ndarray]:
    """Every window's cross-validated n-gram logit, for each C, trained on the windows the others train on."""
    blocks = counts([read_as(piece) for pieces in data.windows for piece in pieces], CHARACTERS, with_words=True)
    pick = partial(training_windows, data)
    return cross_validated_logits(blocks, folds(data), pick, INVERSE_L2S)


def training_windows(data: Embedded, chosen: np.ndarray) -> tuple[list[int], list[int]]:
    return attack_windows(data, chosen), ordinary_windows(data, chosen)


def loaded(path: Path | None) -> Embedded:
    """The embedded tuning part, kept in `path` if given (embedding it is most of the run's time)."""
    if path is not None and path.exists():
        with path.open("rb") as file:
            return pickle.load(file)
    data = Embedded(part(attacks(), "tuning") + part(benign(), "tuning"), Embedder())
    if path is not None:
        with path.open("wb") as file:
            pickle.dump(data, file)
    return data


def main() -> None:
    parser = argparse.ArgumentParser()
    # A kept file is not checked against the sets: delete it when they, the windows or the embedder change.
    parser.add_argument("--embedded", type=Path, help="keep the embedded tuning part in this file, or read it")
    data = loaded(parser.parse_args().embedded)
    print(f"tuning: {data.labels.sum()} attacks, {(~data.labels).sum()} benign, {len(data.vectors)} windows")
    for surface in SURFACES:
        benign_texts = ~data.labels & (data.surfaces == surface)
        print(f"{surface}: {int(BENIGN_BUDGET * benign_texts.sum())} of {benign_texts.sum()} benign texts allowed")
    near = {k: cross_validated(data, partial(near_scores, data, k=k)) for k in NEIGHBOURS}
    line = {strength: cross_validated(data, partial(logits, data, strength=strength)) for strength in STRENGTHS}
    shares, k, strength, c, thresholds, centres, spreads, found = choose(data, near, line, ngram_logits(data))
    everything = np.arange(len(data.examples))
    weights, bias = regression(data, everything, strength)
    attack_rows, ordinary_rows = training_windows(data, everything)
    flat = [piece for pieces in data.windows for piece in pieces]
    labels = np.array([True] * len(attack_rows) + [False] * len(ordinary_rows))
    reader = fit_reader([read_as(flat[row]) for row in attack_rows + ordinary_rows], labels, c)
    InjectionModel(
        attacks=data.vectors[attack_rows],
        ordinary=data.vectors[ordinary_rows],
        k=k,
        weights=weights,
        bias=bias,
        centres=centres,
        spreads=spreads,
        neighbour_share=shares[0],
        thresholds=thresholds,
        embedder_identity=Embedder().identity,
        ngram=reader,
        ngram_share=shares[2],
    ).save(MODEL_FILE)
    print(f"chosen: shares {shares}, {k} neighbours, L2 {strength}, n-gram C {c}; {described(thresholds, found)}")
    print(f"wrote {MODEL_FILE}")


if __name__ == "__main__":
    main()
