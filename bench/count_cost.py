"""What counting a long job description's model tokens costs: once for the budget, again in the guard.

    uv run python -m bench.count_cost

The model budget (app/api/model_budget.py) counts a job description's tokens at the API edge,
and the guard counts them again before embedding. Before the embedder kept counts, the budget
tokenised the whole text and the guard its windows; now both count the windows, and the
guard's count is read from the embedder's cache. Prints the median of five runs of each.
"""

from __future__ import annotations

import random
import statistics
import string
import time
from collections.abc import Callable
from itertools import count

from app.guardrails.windows import windows
from app.text.embedding import Embedder

CHARS = 20_000  # the longest job description the endpoint accepts
RUNS = 5
SEEDS = count()
WORDS = "platform engineer Kubernetes production requirements years team Terraform we offer remote salary".split()


def texts(seed: int) -> dict[str, str]:
    """A long job description of prose and one of symbols; each seed gives new texts (no cached count)."""
    rng = random.Random(seed)
    sentences = (" ".join(rng.choice(WORDS) for _ in range(12)) for _ in range(CHARS // 50))
    symbols = string.ascii_letters + string.digits + string.punctuation + " "
    return {
        "prose": ". ".join(sentences)[:CHARS],
        "symbols": "".join(rng.choice(symbols) for _ in range(CHARS)),
    }


def median_ms(kind: str, count: Callable[[str], object]) -> float:
    """The median time of `count` over RUNS texts of `kind` that were never counted before."""
    timings = []
    for _ in range(RUNS):
        text = texts(next(SEEDS))[kind]
        started = time.perf_counter()
        count(text)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


def main() -> None:
    embedder = Embedder()
    embedder.tokens("warm up")

    def whole_then_windows(text: str) -> None:  # the budget counted the whole text before
        embedder.tokens(text)
        embedder.tokens(*windows(text))

    def windows_twice(text: str) -> None:  # the budget, then the guard's count from the cache
        embedder.tokens(*windows(text))
        embedder.tokens(*windows(text))

    for kind in ("prose", "symbols"):
        before, now = median_ms(kind, whole_then_windows), median_ms(kind, windows_twice)
        print(f"20,000 characters of {kind}: budget and guard counts {before:.0f} ms before, {now:.0f} ms now")


if __name__ == "__main__":
    main()
