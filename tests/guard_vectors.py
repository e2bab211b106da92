"""The guard's windows of the labelled sets, embedded once and kept in tests/data (float16).

    uv run python -m tests.guard_vectors      # after a new round or a new embedding model

Embedding the ~10,000 windows the rules leave to the model takes the guard's test 13 minutes on
one core of a 2-core CI machine: most of the suite's time. The test reads their vectors from this
file instead and embeds only windows it lacks; `test_input_guard` re-embeds a sample live and
fails if the file no longer matches the model. The vectors are the model's own output, rounded to
float16 (the shipped guard model stores its vectors the same way); they decide nothing by
themselves: the figures still come from the shipped rules, model file and thresholds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from app.guardrails.input_guard import find_attack
from app.guardrails.windows import windows
from app.text.embedding import Embedder
from tests.guardrail_sets import attacks, benign

VECTORS_FILE = Path(__file__).parent / "data" / "guard_window_vectors.npz"


def digest(text: str) -> str:
    """A short, stable name for a window's text (the file does not repeat the sets' texts)."""
    return hashlib.blake2b(text.encode(), digest_size=10).hexdigest()


def model_windows(texts: Iterable[str], rules: Callable[[str], str | None] = find_attack) -> list[str]:
    """The windows of `texts` the rules leave to the model, shortest first (a batch pads to its longest)."""
    unblocked = [text for text in texts if rules(text) is None]
    return sorted({piece for text in unblocked for piece in windows(text)}, key=len)


class StoredVectorsEmbedder(Embedder):
    """An embedder that takes the query vectors of known windows from VECTORS_FILE."""

    def __init__(self, *, query_cache_size: int) -> None:
        super().__init__(query_cache_size=query_cache_size)
        self.stored: dict[str, np.ndarray] = {}
        if VECTORS_FILE.exists():
            with np.load(VECTORS_FILE) as data:
                if str(data["identity"]) == self.identity:
                    rows = data["vectors"].astype(np.float32)
                    self.stored = dict(zip((str(key) for key in data["digests"]), rows, strict=True))

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        known = {text: row for text in texts if (row := self.stored.get(digest(text))) is not None}
        self.remember_queries(known)
        return super().queries(texts)


def build() -> Embedder:
    """Embed every window of the sets the model is asked about, write VECTORS_FILE and return the
    embedder that holds them. Windows the file already holds for this model keep their stored
    vectors (a new round embeds only its own windows: minutes, not the whole sets' quarter hour)."""
    pieces = model_windows(example.text for example in attacks() + benign())
    embedder = StoredVectorsEmbedder(query_cache_size=2 * len(pieces))
    vectors = np.concatenate([embedder.queries(pieces[i : i + 64]) for i in range(0, len(pieces), 64)])
    np.savez_compressed(
        VECTORS_FILE,
        identity=np.array(embedder.identity),
        digests=np.array([digest(piece) for piece in pieces]),
        vectors=vectors.astype(np.float16),
    )
    print(f"{len(pieces)} windows -> {VECTORS_FILE} ({VECTORS_FILE.stat().st_size / 1e6:.1f} MB)")
    return embedder


if __name__ == "__main__":
    build()
