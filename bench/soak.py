"""Soak: many thousands of streams through ONE gunicorn worker, checking that nothing accumulates.

    uv run --group bench python -m bench.soak                 # 2,000 warm-up + 20,000 measured streams
    uv run python -m bench.soak --streams 1000 --warmup-streams 200 --warmup-seconds 0 --phases 2   # a quick look

The fakes of the benchmark (bench/fake_llm.py, bench/fake_memvid.py) answer quickly, and
`concurrency` users (each on its own keep-alive connection and loopback address) ask again
as soon as an answer ends, starting a new session every few turns, so the session store
fills past MAX_SESSIONS and evicts. The warm-up runs until the stores that keep a minute
of history (the rate limiter's windows) are full; then the streams run in phases; between phases, with no
stream open, the worker's resident memory and open file descriptors are read. Passes when
every stream ended with its `done` event, memory after the warm-up grew by at most
`--rss-bound-mb`, the worker's open file descriptors stopped growing after the first
phase (the upstream connection pool settles at about one per user), and the
service's own metrics agree (no stream still open, every stream counted completed).
Prints one JSON object (the figures RELIABILITY.md quotes); exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.loadgen import client_address
from bench.processes import Processes, raise_file_limit, ready_line, start_service
from bench.procstat import memory_kb
from bench.run import QUESTIONS
from bench.sse_client import Client, Window

TURNS_PER_SESSION = 5


@dataclass
class Quota:
    """Streams left to start in the current phase, and how the finished ones ended."""

    left: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)


def _request(port: int, question: str, session_id: str) -> bytes:
    body = json.dumps({"message": question, "session_id": session_id}).encode()
    head = (
        f"POST /api/v1/chat HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        f"Accept: text/event-stream\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _user(index: int, port: int, quota: Quota) -> None:
    """Ask questions until the phase's quota is used up; note how each stream ended."""
    loop = asyncio.get_running_loop()
    client: Client | None = None
    turn = index
    session_id = str(uuid.uuid4())
    while quota.left > 0:
        quota.left -= 1
        if client is None or client.transport is None:
            client = Client(True, Window(0.0, 0.0))
            await loop.create_connection(lambda c=client: c, "127.0.0.1", port, local_addr=(client_address(index), 0))
        if turn % TURNS_PER_SESSION == 0:
            session_id = str(uuid.uuid4())
        stream = await client.send(_request(port, QUESTIONS[turn % len(QUESTIONS)], session_id))
        turn += 1
        quota.outcomes[stream.error or ("done" if stream.done else "no_terminal_event")] += 1
        if stream.error:
            client.transport and client.transport.close()
    if client is not None and client.transport is not None:
        client.transport.close()


async def _phase(port: int, streams: int, concurrency: int) -> Counter[str]:
    quota = Quota(left=streams)
    await asyncio.gather(*(_user(i, port, quota) for i in range(concurrency)))
    return quota.outcomes


def _sample(worker_pid: int) -> dict[str, int]:
    """The worker's resident memory (KiB) and open file descriptors, with no stream open."""
    time.sleep(0.5)  # let closed connections finish closing
    kinds: Counter[str] = Counter()
    for fd in Path(f"/proc/{worker_pid}/fd").iterdir():
        try:
            kinds[fd.readlink().name.split(":")[0].split("[")[0] or "file"] += 1
        except OSError:
            continue
    return {"rss_kb": memory_kb(worker_pid)["VmRSS"], "open_files": sum(kinds.values()), "kinds": dict(kinds)}


def _service_metrics(port: int) -> dict[str, float]:
    from prometheus_client.parser import text_string_to_metric_families

    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    wanted = {"chat_active_streams", "chat_streams_total", "chat_sessions_live"}
    values: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name in wanted:
                key = sample.name + "".join(f"{{{v}}}" for v in sample.labels.values())
                values[key] = values.get(key, 0.0) + sample.value
    return values


def soak(args: argparse.Namespace, procs: Processes) -> dict[str, Any]:
    """Run the warm-up and the measured phases; return the figures and the verdicts."""
    fake = {"first_token_ms": args.first_token_ms, "tokens": args.tokens, "gap_ms": args.gap_ms}
    llm = procs.spawn("fake_llm", [sys.executable, "-m", "bench.fake_llm", json.dumps(fake)])
    memvid = procs.spawn("fake_memvid", [sys.executable, "-m", "bench.fake_memvid"])
    llm_port, memvid_port = int(ready_line(llm)[0]), int(ready_line(memvid)[0])
    env = {
        "OPENROUTER_API_KEY": "soak-key",
        "OPENROUTER_BASE_URL": f"http://127.0.0.1:{llm_port}/api/v1",
        "MEMVID_GRPC_URL": f"127.0.0.1:{memvid_port}",
        "MEMVID_TELEMETRY": "0",
        "RATE_LIMIT_PER_MINUTE": "1000000",
        "MAX_SESSIONS": str(args.max_sessions),
        "LOG_LEVEL": "INFO",
    }
    service = start_service(procs, env, core=None, connections=args.concurrency + 100)
    started = time.monotonic()
    outcomes = asyncio.run(_phase(service.port, args.warmup_streams, args.concurrency))
    warmup_streams = args.warmup_streams
    while time.monotonic() - started < args.warmup_seconds:
        outcomes += asyncio.run(_phase(service.port, 1000, args.concurrency))
        warmup_streams += 1000
    after_warmup = _sample(service.worker_pid)
    samples = []
    per_phase = args.streams // args.phases
    for _ in range(args.phases):
        outcomes += asyncio.run(_phase(service.port, per_phase, args.concurrency))
        samples.append(_sample(service.worker_pid))
    seconds = time.monotonic() - started
    total = warmup_streams + per_phase * args.phases
    metrics = _service_metrics(service.port)
    rss_growth_mb = (samples[-1]["rss_kb"] - after_warmup["rss_kb"]) / 1024
    checks = {
        "every_stream_ended_with_done": outcomes["done"] == total,
        "rss_growth_within_bound": rss_growth_mb <= args.rss_bound_mb,
        # The upstream pool may still grow a little in the first phase; after that, no growth.
        "no_file_descriptor_growth": samples[-1]["open_files"]
        <= max(after_warmup["open_files"], samples[0]["open_files"]),
        "no_stream_left_open": metrics.get("chat_active_streams", -1) == 0,
        "service_counted_every_stream_completed": metrics.get("chat_streams_total{completed}", 0) >= total,
    }
    return {
        "streams": total,
        "warmup_streams": warmup_streams,
        "measured_streams": per_phase * args.phases,
        "outcomes": dict(outcomes),
        "seconds": round(seconds, 1),
        "streams_per_second": round(total / seconds, 1),
        "concurrency": args.concurrency,
        "after_warmup": after_warmup,
        "phases": samples,
        "rss_growth_after_warmup_mb": round(rss_growth_mb, 2),
        "rss_bound_mb": args.rss_bound_mb,
        "rss_spread_over_phases_mb": round(
            (max(s["rss_kb"] for s in samples) - min(s["rss_kb"] for s in samples)) / 1024, 2
        ),
        "service_metrics": metrics,
        "checks": checks,
        "passed": all(checks.values()),
    }


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--streams", type=int, default=20_000, help="streams after the warm-up")
    add("--warmup-streams", type=int, default=2_000, help="streams before the first memory reading")
    # The rate limiter keeps each client's requests of the last minute: the warm-up outlasts
    # a minute so that this window is full too, as in a worker that has run for a while.
    add("--warmup-seconds", type=float, default=65.0, help="the warm-up lasts at least this long")
    add("--phases", type=int, default=10, help="memory and file readings after the warm-up")
    add("--concurrency", type=int, default=50, help="users asking at once")
    # Small enough that the warm-up fills it (a new session every 5 turns): the measured
    # phases then run with a full store that evicts, the steady state of a long-lived worker.
    add("--max-sessions", type=int, default=300, help="MAX_SESSIONS of the service (sessions churn past it)")
    add("--rss-bound-mb", type=float, default=2.0, help="largest resident-memory growth after the warm-up")
    add("--tokens", type=int, default=10, help="fake LLM: tokens per answer")
    add("--first-token-ms", type=float, default=5.0, help="fake LLM: delay before token 1")
    add("--gap-ms", type=float, default=1.0, help="fake LLM: gap between tokens")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse(argv)
    raise_file_limit()
    with tempfile.TemporaryDirectory(prefix="resume-soak-") as tmp:
        procs = Processes(Path(tmp))
        try:
            result = soak(args, procs)
        finally:
            procs.stop()
    print(json.dumps(result, indent=2))
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
