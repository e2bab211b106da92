"""The input guard's learned detector: labelled neighbours and two learned lines, over sentence
embeddings and over spelling.

Rules catch the attack phrasings they were written for; this catches paraphrases of them. Each
window of the text (the whole text when short, else runs of sentences) is embedded by the local
e5 model (`app.text.embedding`, the query side, cached in the shared embedder) and scored by how
much nearer it lies to the labelled attack windows of the tuning part than to its ordinary ones,
mixed with a logistic regression over the same vectors and one over the n-grams of the window's
normalised views (`ngram_reading.py`); vectors and weights ship in `injection_model.npz` (made by
`bench/train_injection_model.py` from the tuning part only). A text is an attack when any window
scores at or above the threshold of its surface (chat question or job description, each chosen
by cross-validation on its own kind of benign text): an injection hidden in a long job
description is caught by its own window. Without the model (not installed, failed, another
model version) the detector says nothing and the rules guard alone, logged once per process.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import structlog

from app.errors import TooDenseToCheck
from app.guardrails.ngram_reading import NgramReader
from app.guardrails.types import SURFACES, Surface
from app.guardrails.windows import windows
from app.text.embedding import Embedder, as_model_reads

log = structlog.get_logger(__name__)

MODEL_FILE = Path(__file__).with_name("injection_model.npz")
# Embedding costs about 0.8 ms per token on one core, whatever the text. Prose runs at 0.25-0.35
# tokens a character (the longest job description the endpoint takes, 20,000 characters,
# about 7,000 tokens: ~6 s), but symbol runs, codes and look-alike letters reach one token a
# character: 20,000 of them took 36 s. Past this budget a text is refused (422), not embedded.
MAX_CHECKED_TOKENS = 8_000


@dataclass(frozen=True)
class InjectionModel:
    """Three readings of a window, added on one scale: how much nearer its embedding is to known
    attacks than to known ordinary text, which side of a learned line it falls on, and which side
    of a line learned over its spelling (character and word n-grams of its normalised views).

    Nearness is the mean cosine similarity of the window's `k` nearest attack windows minus that
    of its `k` nearest ordinary ones; the line is a logistic regression's logit. Each is centred
    and scaled by how it scored rounds it had not seen (cross-validation), then they are mixed
    by their shares. In leave-one-round-out cross-validation on the tuning part
    (bench/train_injection_model.py) the mix caught more of each new writer's attacks at the same
    false alarms than either alone: neighbours judge a text by the examples nearest to it, which
    keeps a new writer's odd but ordinary text from crossing a line fitted to earlier writers; the
    line generalises where no example is near; the n-grams see attacks hidden in job ads that read
    as ordinary text to e5 (with them, 150 of 262 such attacks left out were blocked, against 66).
    """

    attacks: np.ndarray  # one row per labelled attack: its most attack-like window (unit vectors)
    ordinary: np.ndarray  # one row per window of the labelled ordinary texts
    k: int
    weights: np.ndarray  # the regression's, on raw vectors
    bias: float
    centres: np.ndarray  # (nearness, logit[, n-gram logit]): the median each scored on unseen rounds
    spreads: np.ndarray  # the same readings' standard deviations there
    neighbour_share: float  # 0 = the line alone, 1 = the neighbours alone
    thresholds: dict[Surface, float]  # on the mixed score, per surface, chosen by cross-validation on the tuning part
    embedder_identity: str  # the embedding model the vectors come from
    ngram: NgramReader | None = None  # the third reading, of how the window is spelt (absent in older files)
    ngram_share: float = 0.0  # the line's share is what the neighbours and the n-grams leave

    def scores(self, vectors: np.ndarray, pieces: Sequence[str] = ()) -> np.ndarray:
        """Return each row's mixed score (0 is a typical unseen text; attacks score high); `pieces` are
        the windows the rows embed, read by the n-gram reading when the model has one."""
        readings = [nearness(vectors, self.attacks, self.ordinary, self.k), vectors @ self.weights + self.bias]
        shares = [self.neighbour_share, 1.0 - self.neighbour_share - self.ngram_share]
        if self.ngram is not None:
            readings.append(self.ngram.logits(pieces))
            shares.append(self.ngram_share)
        parts = (np.stack(readings, axis=1) - self.centres) / self.spreads
        return np.asarray(parts @ np.array(shares))

    def save(self, path: Path) -> None:
        """Write the model as one compressed .npz file (half-precision example vectors)."""
        np.savez_compressed(
            path,
            attacks=self.attacks.astype(np.float16),
            ordinary=self.ordinary.astype(np.float16),
            k=np.int64(self.k),
            weights=self.weights.astype(np.float32),
            bias=np.float64(self.bias),
            centres=self.centres.astype(np.float64),
            spreads=self.spreads.astype(np.float64),
            neighbour_share=np.float64(self.neighbour_share),
            threshold_chat=np.float64(self.thresholds["chat"]),
            threshold_fit=np.float64(self.thresholds["fit"]),
            embedder_identity=np.str_(self.embedder_identity),
            ngram_share=np.float64(self.ngram_share),
            **(self.ngram.arrays() if self.ngram is not None else {}),
        )

    @classmethod
    def load(cls, path: Path) -> InjectionModel:
        """Read a model written by `save`."""
        with np.load(path) as data:
            return cls(
                attacks=data["attacks"].astype(np.float32),
                ordinary=data["ordinary"].astype(np.float32),
                k=int(data["k"]),
                weights=data["weights"].astype(np.float32),
                bias=float(data["bias"]),
                centres=data["centres"],
                spreads=data["spreads"],
                neighbour_share=float(data["neighbour_share"]),
                thresholds=_thresholds(data),
                embedder_identity=str(data["embedder_identity"]),
                ngram=NgramReader.from_arrays(data),
                ngram_share=float(data["ngram_share"]) if "ngram_share" in data.files else 0.0,
            )


def _thresholds(data: np.lib.npyio.NpzFile) -> dict[Surface, float]:
    """Each surface's threshold; a file from before there were two holds one, used for both."""
    if "threshold" in data.files:
        return dict.fromkeys(SURFACES, float(data["threshold"]))
    return {surface: float(data[f"threshold_{surface}"]) for surface in SURFACES}


def nearness(vectors: np.ndarray, attacks: np.ndarray, ordinary: np.ndarray, k: int) -> np.ndarray:
    """How much nearer each row of `vectors` is to its `k` nearest `attacks` than to its `k` nearest
    `ordinary` rows (mean cosine similarity of each, so in [-2, 2])."""
    return _mean_of_nearest(vectors, attacks, k) - _mean_of_nearest(vectors, ordinary, k)


def _mean_of_nearest(vectors: np.ndarray, examples: np.ndarray, k: int) -> np.ndarray:
    """Mean similarity of each row of `vectors` to its `k` most similar rows of `examples`."""
    k = min(k, examples.shape[0])
    return np.asarray(np.partition(vectors @ examples.T, -k, axis=1)[:, -k:].mean(axis=1))


class MeaningDetector:
    """Score a text's windows with the shipped model; fall back to silence when it cannot."""

    def __init__(self, embedder: Embedder, model_file: Path = MODEL_FILE) -> None:
        self._embedder, self._model_file = embedder, model_file
        self._model: InjectionModel | None = None
        self._unavailable = False

    def score(self, text: str) -> float | None:
        """Return the highest attack score over the windows of `text`, or None without a model.

        Raises TooDenseToCheck past MAX_CHECKED_TOKENS, before any embedding.
        """
        model = self._loaded()
        pieces = windows(text)
        if model is None or not pieces:
            return None
        try:
            self._refuse_too_dense(pieces)
            vectors = self._embedder.queries(pieces)
        except TooDenseToCheck:
            raise
        except Exception as error:  # any failure of the native model means rules only
            self._give_up(error)
            return None
        return float(model.scores(vectors, pieces).max())

    def _refuse_too_dense(self, pieces: list[str]) -> None:
        read = sum(len(as_model_reads(piece)) for piece in pieces)
        # The model reads at most one token a character of what it is given (NFKC can make a
        # text longer), plus the "query: " prefix and two markers a window (6 measured): a
        # text that short (every chat question) is within budget without being counted.
        if read + 8 * len(pieces) <= MAX_CHECKED_TOKENS:
            return
        tokens = self._embedder.tokens(*pieces)
        if tokens > MAX_CHECKED_TOKENS:
            log.info("guardrail.too_dense", windows=len(pieces), tokens=tokens)
            raise TooDenseToCheck()

    def is_attack(self, text: str, surface: Surface) -> bool:
        """Whether some window of `text` scores at or above the model's threshold for `surface`."""
        score = self.score(text)
        return score is not None and self._model is not None and score >= self._model.thresholds[surface]

    def _loaded(self) -> InjectionModel | None:
        if self._model is None and not self._unavailable:
            try:
                model = InjectionModel.load(self._model_file)
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
