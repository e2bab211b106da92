"""Experiment: would a small learned classifier catch the attacks the input guard's rules miss?

Not part of the service (it needs scikit-learn, which the service does not depend on); the
service's learned detector is instead a nearest-neighbours model over sentence embeddings
(app/guardrails/learned_detector.py, made by bench/train_injection_model.py). Run:

    uv run --with scikit-learn python -m bench.guardrail_classifier

For each round k of the labelled sets (tests/guardrail_*.yaml) from 3 on, a TF-IDF (character
3-5-grams and word 1-2-grams over the guard's normalised views) + logistic-regression model is
trained on round 1's tuning part and rounds 2..k-1 only, then scored on round k: the situation
of a round meeting the guard "on arrival". The threshold 0.7 was chosen on rounds 3-5 (the
lowest that blocked none of their benign inputs); round 6 was the held-out round then. The
experiment stops at round 6 (it never reads rounds 7, 9 and 12, today's held-out rounds). The rules' own
column is today's rules, tuned on rounds up to 6, so no round compares fairly any more.
"""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline, make_union

from app.guardrails.input_guard import find_attack
from app.guardrails.rules import KNOWN_WORDS
from app.guardrails.views import views
from tests.guardrail_sets import Example, attacks, benign

THRESHOLD = 0.7


def features_text(text: str) -> str:
    """The plain view and the look-alike, leetspeak and joined views, one string."""
    found = views(text, KNOWN_WORDS)
    return " ".join(found[-3:]) if len(found) > 1 else found[0]


def new_model() -> Pipeline:
    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True)
    return make_pipeline(make_union(chars, words), LogisticRegression(C=4, class_weight="balanced", max_iter=2000))


def main() -> None:
    everything = attacks() + benign()
    for k in (3, 4, 5, 6):
        train = [e for e in everything if (e.round == 1 and e.part == "tuning") or 1 < e.round < k]
        model = new_model().fit([features_text(e.text) for e in train], [e.attack for e in train])
        report(k, model, [e for e in everything if e.round == k])


def report(k: int, model: Pipeline, examples: list[Example]) -> None:
    scores = model.predict_proba([features_text(e.text) for e in examples])[:, 1]
    labels = np.array([e.attack for e in examples])
    by_model = scores >= THRESHOLD
    by_rules = np.array([find_attack(e.text) is not None for e in examples])
    for name, blocked in (("model", by_model), ("rules", by_rules), ("rules or model", by_rules | by_model)):
        print(
            f"round {k} {name:>14}: attacks {int((blocked & labels).sum())}/{int(labels.sum())}, "
            f"benign {int((blocked & ~labels).sum())}/{int((~labels).sum())}"
        )


if __name__ == "__main__":
    main()
