"""The input guard's learned detector: a linear model over sentence embeddings of the text.

Rules catch the attack phrasings they were written for; this catches paraphrases of them.
Each window of the text (the whole text when short, else runs of sentences) is embedded
by the local e5 model (`app.text.embedding`, the query side, cached by text in the shared
embedder) and scored by logistic regression whose
weights ship in `injection_model.npz`, made by `bench/train_injection_model.py` from the
tuning part of the labelled sets only. A text is an attack when any window scores at or
above the shipped threshold: an injection hidden inside a long job description is caught
by its own window. Without the model (not installed, failed, another model version) the
detector says nothing and the rules guard alone; that is logged once per process.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import structlog

from app.text.embedding import Embedder

log = structlog.get_logger(__name__)

MODEL_FILE = Path(__file__).with_name("injection_model.npz")
# e5 reads up to 512 tokens; a window this size keeps one injected sentence from being
# drowned out by the ordinary text around it.
WINDOW_WORDS = 60
WINDOW_CHARS = 400
_SENTENCE_END = re.compile(r"(?<=[.!?;:\u3002\uff01\uff1f])\s+|\n+")


@dataclass(frozen=True)
class LinearModel:
    """Logistic regression over unit embedding vectors: attack when `vector @ weights + bias` is high."""

    weights: np.ndarray
    bias: float
    threshold: float  # on the probability, chosen by cross-validation on the tuning part
    embedder_identity: str  # the embedding model the weights were fitted to

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """Return the attack probability of each row."""
        return np.asarray(1.0 / (1.0 + np.exp(-(vectors @ self.weights + self.bias))))

    def save(self, path: Path) -> None:
        """Write the model as a small .npz file."""
        np.savez(
            path,
            weights=self.weights.astype(np.float32),
            bias=np.float64(self.bias),
            threshold=np.float64(self.threshold),
            embedder_identity=np.str_(self.embedder_identity),
        )

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        """Read a model written by `save`."""
        with np.load(path) as data:
            return cls(data["weights"], float(data["bias"]), float(data["threshold"]), str(data["embedder_identity"]))


def windows(text: str) -> list[str]:
    """Split `text` into the distinct pieces scored on their own: the text itself when short."""
    text = text.strip()
    if len(text.split()) <= WINDOW_WORDS and len(text) <= WINDOW_CHARS:
        return [text] if text else []
    found: list[str] = []
    current: list[str] = []
    for piece in (cut for sentence in _SENTENCE_END.split(text) for cut in _cut(sentence)):
        joined = " ".join([*current, piece])
        if current and (len(joined.split()) > WINDOW_WORDS or len(joined) > WINDOW_CHARS):
            found.append(" ".join(current))
            current = []
        current.append(piece)
    if current:
        found.append(" ".join(current))
    return list(dict.fromkeys(found))


def _cut(sentence: str) -> list[str]:
    """Cut a sentence longer than a window into window-sized word runs, and those into character runs."""
    words = sentence.split()
    runs = [" ".join(words[i : i + WINDOW_WORDS]) for i in range(0, len(words), WINDOW_WORDS)]
    return [run[i : i + WINDOW_CHARS] for run in runs for i in range(0, len(run), WINDOW_CHARS)]


class MeaningDetector:
    """Score a text's windows with the shipped model; fall back to silence when it cannot."""

    def __init__(self, embedder: Embedder, model_file: Path = MODEL_FILE) -> None:
        self._embedder = embedder
        self._model_file = model_file
        self._model: LinearModel | None = None
        self._unavailable = False

    def score(self, text: str) -> float | None:
        """Return the highest attack probability over the windows of `text`, or None without a model."""
        model = self._loaded()
        pieces = windows(text)
        if model is None or not pieces:
            return None
        try:
            vectors = self._embedder.queries(pieces)
        except Exception as error:  # any failure of the native model means rules only
            self._give_up(error)
            return None
        return float(model.probabilities(vectors).max())

    def is_attack(self, text: str) -> bool:
        """Whether some window of `text` scores at or above the model's threshold."""
        score = self.score(text)
        return score is not None and self._model is not None and score >= self._model.threshold

    def _loaded(self) -> LinearModel | None:
        if self._model is None and not self._unavailable:
            try:
                model = LinearModel.load(self._model_file)
            except (OSError, KeyError, ValueError) as error:
                self._give_up(error)
                return None
            if model.embedder_identity != self._embedder.identity:
                self._give_up(ValueError(f"fitted to {model.embedder_identity}, not {self._embedder.identity}"))
                return None
            self._model = model
        return self._model

    def _give_up(self, error: BaseException) -> None:
        self._model, self._unavailable = None, True
        log.warning("guardrail.model_unavailable", error=f"{type(error).__name__}: {error}")
