"""The input guard's learned detector: nearest labelled neighbours in sentence-embedding space.

Rules catch the attack phrasings they were written for; this catches paraphrases of them.
Each window of the text (the whole text when short, else runs of sentences) is embedded
by the local e5 model (`app.text.embedding`, the query side, cached by text in the shared
embedder) and compared with the labelled windows of the tuning part, whose vectors ship in
`injection_model.npz` (made by `bench/train_injection_model.py`, which reads the tuning part
only). A text is an attack when any window is nearer to known attacks than to known ordinary
text by at least the shipped threshold: an injection hidden inside a long job description is
caught by its own window. Without the model (not installed, failed, another model version)
the detector says nothing and the rules guard alone; that is logged once per process.
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
class NeighbourModel:
    """Nearest neighbours among labelled windows: attack when a window is closer to known attacks than to
    known ordinary text.

    A window's score is the mean cosine similarity of its `k` nearest attack windows minus that of
    its `k` nearest ordinary windows. Chosen over a logistic regression on the same vectors by
    leave-one-round-out cross-validation (bench/train_injection_model.py): each new writer's round
    was caught more often (about 85 % against at most 79 % by the model alone at the same false
    alarms), because a linear boundary fitted to earlier writers' ordinary text cuts through a new
    writer's ordinary text, while neighbours judge each text by the examples nearest to it.
    """

    attacks: np.ndarray  # one row per labelled attack: its most attack-like window (unit vectors)
    ordinary: np.ndarray  # one row per window of the labelled ordinary texts
    k: int
    threshold: float  # on the score, chosen by cross-validation on the tuning part
    embedder_identity: str  # the embedding model the vectors come from

    def scores(self, vectors: np.ndarray) -> np.ndarray:
        """Return each row's score: nearness to attacks minus nearness to ordinary text, in [-2, 2]."""
        return _nearness(vectors, self.attacks, self.k) - _nearness(vectors, self.ordinary, self.k)

    def save(self, path: Path) -> None:
        """Write the model as one compressed .npz file (half-precision vectors)."""
        np.savez_compressed(
            path,
            attacks=self.attacks.astype(np.float16),
            ordinary=self.ordinary.astype(np.float16),
            k=np.int64(self.k),
            threshold=np.float64(self.threshold),
            embedder_identity=np.str_(self.embedder_identity),
        )

    @classmethod
    def load(cls, path: Path) -> NeighbourModel:
        """Read a model written by `save`."""
        with np.load(path) as data:
            return cls(
                data["attacks"].astype(np.float32),
                data["ordinary"].astype(np.float32),
                int(data["k"]),
                float(data["threshold"]),
                str(data["embedder_identity"]),
            )


def _nearness(vectors: np.ndarray, examples: np.ndarray, k: int) -> np.ndarray:
    """Mean similarity of each row of `vectors` to its `k` most similar rows of `examples`."""
    similarity = vectors @ examples.T
    k = min(k, examples.shape[0])
    return np.asarray(np.partition(similarity, -k, axis=1)[:, -k:].mean(axis=1))


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
        self._model: NeighbourModel | None = None
        self._unavailable = False

    def score(self, text: str) -> float | None:
        """Return the highest attack score over the windows of `text`, or None without a model."""
        model = self._loaded()
        pieces = windows(text)
        if model is None or not pieces:
            return None
        try:
            vectors = self._embedder.queries(pieces)
        except Exception as error:  # any failure of the native model means rules only
            self._give_up(error)
            return None
        return float(model.scores(vectors).max())

    def is_attack(self, text: str) -> bool:
        """Whether some window of `text` scores at or above the model's threshold."""
        score = self.score(text)
        return score is not None and self._model is not None and score >= self._model.threshold

    def _loaded(self) -> NeighbourModel | None:
        if self._model is None and not self._unavailable:
            try:
                model = NeighbourModel.load(self._model_file)
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
