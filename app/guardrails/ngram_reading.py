"""The learned detector's third reading: a linear model over the character and word n-grams of a
window's normalised views.

The e5 readings judge what a window means; this one judges how it is spelt, in every view the
rules see (look-alikes folded, leetspeak read back, spaced letters joined, base64 decoded), so
"ign0re", "i g n o r e" and a decoded payload share n-grams with the attacks they imitate. In
leave-one-round-out cross-validation on the tuning part, mixed with the other two it blocked
more left-out attacks at the same benign budgets than they did alone (app/guardrails/README.md).
The vocabulary, inverse document frequencies and weights are fitted by scikit-learn at training
time (bench/ngram_fit.py) and scored here with numpy: TF-IDF with sublinear term frequency, each
kind of n-gram normalised on its own, exactly as scikit-learn's `TfidfVectorizer(analyzer=
"char_wb" | "word", sublinear_tf=True)` reads a text, so the service needs no scikit-learn.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.guardrails.rules import KNOWN_WORDS
from app.guardrails.views import views

KINDS = ("chars", "words")
_WHITE_SPACES = re.compile(r"\s\s+")
_WORD = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern


def read_as(text: str) -> str:
    """Every distinct normalised view of `text`, one a line: what the n-gram reading sees."""
    return "\n".join(views(text, KNOWN_WORDS))


def char_grams(text: str, low: int, high: int) -> Iterator[str]:
    """Character n-grams inside word boundaries, each word padded by a space (scikit-learn's "char_wb")."""
    for word in _WHITE_SPACES.sub(" ", text.lower()).split():
        padded = f" {word} "
        for n in range(low, high + 1):
            yield from (padded[start : start + n] for start in range(max(len(padded) - n + 1, 1)))
            if len(padded) <= n:  # a short word is one n-gram, counted once
                break


def word_grams(text: str, low: int, high: int) -> Iterator[str]:
    """Runs of `low` to `high` words (two or more letters or digits each), joined by a space."""
    tokens = _WORD.findall(text.lower())
    for n in range(low, high + 1):
        yield from (" ".join(tokens[start : start + n]) for start in range(len(tokens) - n + 1))


@dataclass(frozen=True)
class NgramBlock:
    """One kind of n-gram: its sorted vocabulary with each entry's idf and regression weight."""

    kind: str  # "chars" or "words"
    low: int
    high: int
    grams: np.ndarray  # sorted strings
    idf: np.ndarray
    weights: np.ndarray

    def reading(self, text: str) -> float:
        """This block's part of the logit: the weights against the text's l2-normalised TF-IDF."""
        grams = char_grams if self.kind == "chars" else word_grams
        counted = Counter(grams(text, self.low, self.high))
        if not counted:
            return 0.0
        found = np.array(list(counted), dtype=object if self.grams.dtype == object else str)
        at = np.minimum(np.searchsorted(self.grams, found), len(self.grams) - 1)
        known = self.grams[at] == found
        tf_idf = (1.0 + np.log(np.array(list(counted.values()), dtype=float)[known])) * self.idf[at[known]]
        norm = float(np.linalg.norm(tf_idf))
        return float(tf_idf @ self.weights[at[known]]) / norm if norm else 0.0


@dataclass(frozen=True)
class NgramReader:
    """A logistic regression over the n-gram blocks of a window's views."""

    blocks: tuple[NgramBlock, ...]
    bias: float

    def logits(self, pieces: Sequence[str]) -> np.ndarray:
        """Each piece's logit (positive leans attack)."""
        read = [read_as(piece) for piece in pieces]
        return np.array([self.bias + sum(block.reading(text) for block in self.blocks) for text in read])

    def arrays(self) -> dict[str, Any]:
        """The reader as named arrays, for the model's .npz file."""
        found: dict[str, Any] = {"ngram_bias": np.float64(self.bias)}
        for block in self.blocks:
            prefix = f"ngram_{block.kind}_"
            # One string, a gram a line (no gram holds a line break): a fixed-width array would pad every
            # word pair to the longest (90 characters), 7.7 MB in memory for 1.3 MB of text.
            found |= {
                prefix + "range": np.array([block.low, block.high]),
                prefix + "grams": np.str_("\n".join(block.grams)),
            }
            found |= {
                prefix + "idf": block.idf.astype(np.float32),
                prefix + "weights": block.weights.astype(np.float32),
            }
        return found

    @classmethod
    def from_arrays(cls, data: np.lib.npyio.NpzFile) -> NgramReader | None:
        """The reader saved by `arrays`, or None in a file without one."""
        if "ngram_bias" not in data.files:
            return None
        blocks = []
        for kind in KINDS:
            prefix = f"ngram_{kind}_"
            if prefix + "grams" in data.files:
                low, high = (int(n) for n in data[prefix + "range"])
                idf, weights = (data[prefix + name].astype(np.float64) for name in ("idf", "weights"))
                blocks.append(
                    NgramBlock(kind, low, high, _compact(str(data[prefix + "grams"]).split("\n")), idf, weights)
                )
        return cls(tuple(blocks), float(data["ngram_bias"]))


def _compact(grams: list[str]) -> np.ndarray:
    """The grams as a sorted array in the smaller layout: fixed-width (short grams) or Python strings."""
    fixed = np.array(grams)
    # A Python string costs about 50 bytes plus its characters; a fixed-width entry 4 bytes a character.
    if fixed.nbytes <= sum(50 + len(gram) for gram in grams):
        return fixed
    return np.array(grams, dtype=object)
