"""Event loops and lag probes shared by the bench's asyncio processes (load generator, fake LLM)."""

from __future__ import annotations

import asyncio
import math
import os
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

PROBE_SECONDS = 0.01


def loop_name() -> str:
    """Return "uvloop" when the bench group is installed (and BENCH_LOOP is not "asyncio")."""
    if os.environ.get("BENCH_LOOP") == "asyncio":
        return "asyncio"
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return "asyncio"
    return "uvloop"


def run(main: Callable[[], Awaitable[Any]]) -> Any:
    """Run `main()` on uvloop when available, else on the stdlib loop."""
    if loop_name() == "uvloop":
        import uvloop

        return uvloop.run(main())
    return asyncio.run(main())


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))
    return ordered[index]


class LagProbe:
    """How late a 10 ms sleep wakes up: the delay any callback of this process suffers."""

    def __init__(self) -> None:
        self.samples: list[float] = []

    def reset(self) -> None:
        self.samples = []

    def summary(self) -> dict[str, float]:
        return {
            "lag_p99_ms": round(percentile(self.samples, 0.99) * 1000, 2),
            "lag_max_ms": round(max(self.samples, default=0.0) * 1000, 2),
        }

    async def run_async(self) -> None:
        """Probe an asyncio loop until cancelled."""
        # perf_counter, not loop.time(): uvloop's clock has millisecond steps.
        while True:
            before = time.perf_counter()
            await asyncio.sleep(PROBE_SECONDS)
            self.samples.append(max(0.0, time.perf_counter() - before - PROBE_SECONDS))

    def start_thread(self) -> None:
        """Probe a threaded process (scheduling and GIL delay) from a daemon thread."""

        def probe() -> None:
            while True:
                before = time.perf_counter()
                time.sleep(PROBE_SECONDS)
                self.samples.append(max(0.0, time.perf_counter() - before - PROBE_SECONDS))

        threading.Thread(target=probe, name="lag-probe", daemon=True).start()
