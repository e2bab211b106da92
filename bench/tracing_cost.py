"""CPU that tracing adds to one streamed question, measured without load: `python -m bench.tracing_cost`.

The full benchmark's CPU per token depends on how saturated the worker is (a busier loop
relays more tokens per wake-up), which on a shared machine swings by more than tracing
costs. This asks questions one after another through the app (Flask test client, in-process
fakes, 50-token answers from an answerer that opens the LLM span like the OpenRouter client)
and reads the process's CPU time, all threads included (the exporter's too), in fresh
processes that alternate: tracing off; on, exporting over OTLP/HTTP to `bench.otlp_sink`;
on with 10 % of traces sampled.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Generator
from typing import Any

from bench.processes import ready_line

MODES = {
    "off": {},
    "on": {},
    "on, 10 % sampled": {"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.1"},
}
QUESTIONS = 800
ROUNDS = 5


class _Answerer:
    """50 tokens at once, inside the LLM span the OpenRouter client would open."""

    name = "openrouter"

    def stream(self, request: Any) -> Generator[Any, None, None]:
        from app.llm.types import Finished, LLMEvent, Token, Usage
        from app.telemetry.llm_span import LLMSpan

        span = LLMSpan(
            provider="openrouter", model="bench/model", url="http://127.0.0.1/", max_tokens=64, temperature=0
        )
        span.headers()
        events: list[LLMEvent] = [*(Token("word ") for _ in range(50)), Finished("stop", Usage(40, 50, 90))]
        for event in events:
            if span.recording:
                span.saw(event)
            yield event
        span.end()

    def close(self) -> None:
        return None


def measure() -> float:
    """Ask QUESTIONS questions in this process; return CPU µs per question."""
    from app.factory import create_app
    from app.telemetry import tracing
    from tests.fakes import FakeMemvid

    config = {"rate_limit_per_minute": 10**6, "log_level": "WARNING", "max_sessions": 10**5}
    client = create_app(config, memvid=FakeMemvid(), llm=_Answerer()).test_client()

    def ask(index: int) -> None:
        client.post("/api/v1/chat", json={"message": f"Kubernetes experience {index % 12}?"}).get_data()

    for index in range(100):  # warm up: imports, caches
        ask(index)
    started = time.process_time()
    for index in range(QUESTIONS):
        ask(index)
    tracing.shutdown()  # the last batch is exported, and counted (a no-op when off)
    return (time.process_time() - started) / QUESTIONS * 1e6


def off_path() -> float:
    """Time, with tracing off, every tracing call one question makes (4 engine queries); µs."""
    import contextvars
    import timeit

    from opentelemetry import trace

    from app.telemetry import tracing, turn_span
    from app.telemetry.llm_span import LLMSpan

    def question() -> None:
        tracing.current_trace_id()
        with turn_span.opening_turn() as turn:
            with tracing.span("retrieval", {"memvid.backend": "grpc"}) as retrieval:
                context = contextvars.copy_context()
                trace.get_current_span().set_attribute("retrieval.engine_queries", 4)
                for _ in range(4):
                    context.copy()
                retrieval.set_attributes({"retrieval.cache_hit": False, "retrieval.passages": 3})
            turn.set_attributes({"session.id": "s", "chat.chunks": 3, "chat.mode": "llm"})
        tracing.context_for_greenlet(turn)
        llm = LLMSpan(provider="openrouter", model="bench/model", url="http://127.0.0.1/", max_tokens=64, temperature=0)
        llm.headers()
        llm.end()
        turn_span.end_turn(turn, "completed", tokens=50)

    return min(timeit.repeat(question, number=20_000, repeat=5)) / 20_000 * 1e6


def main() -> None:
    sink = subprocess.Popen([sys.executable, "-m", "bench.otlp_sink"], stdout=subprocess.PIPE)
    try:
        endpoint = f"http://127.0.0.1:{ready_line(sink)[0]}"
        figures: dict[str, list[float]] = {mode: [] for mode in MODES}
        for _ in range(ROUNDS):
            for mode, extra in MODES.items():
                env = {**os.environ, **extra}
                env.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
                if mode != "off":
                    env["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint
                command = [sys.executable, "-c", "from bench.tracing_cost import measure; print(measure())"]
                figures[mode].append(float(subprocess.check_output(command, env=env).split()[-1]))
        off = statistics.median(figures["off"])
        for mode, values in figures.items():
            median = statistics.median(values)
            print(f"{mode:>17}: {median:6.0f} µs CPU per question (median of {ROUNDS}; +{median - off:.0f} vs off)")
        print(f"tracing off, the tracing calls alone: {off_path():.1f} µs per question")
    finally:
        sink.terminate()
        sink.wait()


if __name__ == "__main__":
    main()
