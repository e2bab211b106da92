"""How much time the input guard's learned detector adds per checked text (the rules run either way).

    uv run python -m bench.guardrail_latency

Times `MeaningDetector.score` with a fresh embedder (nothing cached, model loaded beforehand)
on the labelled sets' questions, their job descriptions, and long job descriptions made by
joining eight of them (about 60 lines, several windows), then on questions already embedded
(the embedder caches by text). Prints median and 90th percentile.
"""

from __future__ import annotations

import time

import numpy as np

from app.guardrails.learned_detector import MeaningDetector
from app.guardrails.windows import windows
from app.text.embedding import Embedder
from tests.guardrail_sets import benign

SAMPLES = 60


def timed(detector: MeaningDetector, texts: list[str]) -> list[float]:
    """Milliseconds per `score` call."""
    found = []
    for text in texts:
        started = time.perf_counter()
        detector.score(text)
        found.append((time.perf_counter() - started) * 1000)
    return found


def main() -> None:
    embedder = Embedder()
    detector = MeaningDetector(embedder)
    detector.score("warm up: load the model and the weights")
    questions = [e.text for e in benign() if e.kind == "question"][:SAMPLES]
    jobs = [e.text for e in benign() if e.kind == "job_description"]
    long_jobs = ["\n\n".join(jobs[i : i + 8]) for i in range(0, len(jobs) - 8, 2)][:20]
    runs = {
        "question": timed(detector, questions),
        "job description (set)": timed(detector, jobs[:SAMPLES]),
        "long job description": timed(detector, long_jobs),
        "question already embedded": timed(detector, questions),
    }
    print(f"windows per long job description: median {np.median([len(windows(t)) for t in long_jobs]):.0f}")
    for name, millis in runs.items():
        print(
            f"{name:>28}: n={len(millis):>3}  median {np.median(millis):6.1f} ms  p90 {np.percentile(millis, 90):6.1f} ms"
        )


if __name__ == "__main__":
    main()
