"""Fit the learned detector's n-gram reading (app/guardrails/ngram_reading.py) with scikit-learn.

Training only: run under `uv run --with scikit-learn` (bench/train_injection_model.py,
bench/ngram_injection_cv.py); the service scores the exported arrays with numpy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from app.guardrails.ngram_reading import NgramBlock, NgramReader

CHARACTERS = (3, 5)  # chosen in bench/ngram_injection_cv.py against 2-4 and 3-5 without words
WORDS = (1, 2)
Pick = Callable[[np.ndarray], tuple[list[int], list[int]]]  # texts inside a fold -> (attack rows, ordinary rows)


def counts(texts: Sequence[str], characters: tuple[int, int], with_words: bool) -> list[sparse.csr_matrix]:
    """Raw n-gram counts of `texts`, one matrix per kind; each fold keeps and weighs its own columns."""
    kinds = [CountVectorizer(analyzer="char_wb", ngram_range=characters)]
    if with_words:
        kinds.append(CountVectorizer(ngram_range=WORDS))
    return [kind.fit_transform(texts).tocsr() for kind in kinds]


def tf_idf(blocks: list[sparse.csr_matrix], train: list[int], test: list[int]) -> tuple:
    """TF-IDF of the `train` and `test` rows as if vectorised on `train` alone: its n-grams seen twice
    or more, its document frequencies (what TfidfVectorizer(min_df=2) fitted on `train` gives)."""
    fitted, applied = [], []
    for block in blocks:
        inside = block[train]
        keep = np.flatnonzero(np.asarray((inside > 0).sum(axis=0)).ravel() >= 2)
        weighing = TfidfTransformer(sublinear_tf=True).fit(inside[:, keep])
        fitted.append(weighing.transform(inside[:, keep]))
        applied.append(weighing.transform(block[test][:, keep]))
    return sparse.hstack(fitted).tocsr(), sparse.hstack(applied).tocsr()


def regression(inverse_l2: float) -> LogisticRegression:
    return LogisticRegression(C=inverse_l2, class_weight="balanced", solver="liblinear")


def cross_validated_logits(
    blocks: list[sparse.csr_matrix],
    folds: list[tuple[np.ndarray, np.ndarray]],
    pick: Pick,
    inverse_l2s: Sequence[float],
) -> dict[float, np.ndarray]:
    """Each row's logit from a reading fitted without its fold, for each C: `folds` are (texts inside,
    rows outside); `pick` chooses the rows a fold trains on."""
    scores = {c: np.zeros(blocks[0].shape[0]) for c in inverse_l2s}
    for inside, rows in folds:
        attack_rows, ordinary_rows = pick(inside)
        x_train, x_test = tf_idf(blocks, attack_rows + ordinary_rows, list(rows))
        labels = np.array([True] * len(attack_rows) + [False] * len(ordinary_rows))
        for c in inverse_l2s:
            scores[c][rows] = regression(c).fit(x_train, labels).decision_function(x_test)
    return scores


def fit_reader(texts: Sequence[str], labels: np.ndarray, inverse_l2: float) -> NgramReader:
    """Fit the reading on `texts` (already read as views) and export it; check numpy scores it as scikit-learn."""
    kinds = {
        "chars": TfidfVectorizer(analyzer="char_wb", ngram_range=CHARACTERS, min_df=2, sublinear_tf=True),
        "words": TfidfVectorizer(ngram_range=WORDS, min_df=2, sublinear_tf=True),
    }
    matrices = [kind.fit_transform(texts) for kind in kinds.values()]
    model = regression(inverse_l2).fit(sparse.hstack(matrices).tocsr(), labels)
    blocks, start = [], 0
    for (name, kind), matrix in zip(kinds.items(), matrices, strict=True):
        grams = kind.get_feature_names_out()
        order = np.argsort(grams)
        weights = model.coef_[0, start : start + matrix.shape[1]]
        low, high = kind.ngram_range
        blocks.append(NgramBlock(name, low, high, grams[order].astype(str), kind.idf_[order], weights[order]))
        start += matrix.shape[1]
    reader = NgramReader(tuple(blocks), float(model.intercept_[0]))
    expected = model.decision_function(sparse.hstack(matrices).tocsr())
    sample = np.arange(0, len(texts), max(len(texts) // 300, 1))
    found = np.array([reader.bias + sum(b.reading(texts[i]) for b in reader.blocks) for i in sample])
    assert np.allclose(found, expected[sample], atol=1e-6), "numpy scoring differs from scikit-learn"
    return reader
