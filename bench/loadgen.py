"""A closed-loop SSE load generator (asyncio): `concurrency` users, each asking again as
soon as its previous answer ended, over one keep-alive connection per user.

    python -m bench.loadgen '<json options>'    # prints one JSON result line

Target `service` posts chat questions to the service and reads our SSE events; target
`direct` posts a chat-completions request to the fake LLM and reads its OpenAI chunks.
Figures cover a measurement window after a warm-up: streams and tokens completed inside
it, time to first token of the streams started inside it, and the CPU time the watched
processes (the service worker, the fakes) and this process spent inside it. Errors are
counted over the whole run, warm-up and drain included.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from typing import Any

from bench.loops import LagProbe, loop_name, percentile, run
from bench.procstat import core_busy_seconds, cpu_seconds, memory_kb
from bench.sse_client import Client, Stream, Window

RSS_SAMPLE_SECONDS = 0.1


def _request(options: dict[str, Any], question: str, session_id: str) -> bytes:
    if options["target"] == "service":
        body = {"message": question, "session_id": session_id}
    else:
        # What the service sends upstream, roughly: a system prompt with resume passages.
        system = "You answer recruiters' questions about Ada, using only the resume excerpts below. " * 20
        body = {"model": "bench/fake-model", "stream": True, "messages": [
            {"role": "system", "content": system}, {"role": "user", "content": question}]}  # fmt: skip
    payload = json.dumps(body).encode()
    head = (
        f"POST {options['path']} HTTP/1.1\r\nHost: {options['host']}:{options['port']}\r\n"
        f"Content-Type: application/json\r\nAccept: text/event-stream\r\nContent-Length: {len(payload)}\r\n"
        "Authorization: Bearer bench\r\n\r\n"
    )
    return head.encode() + payload


def client_address(index: int) -> str:
    """Each user speaks from its own loopback address (all of 127/8 is local on Linux),
    as recruiters come from their own IPs: the per-IP rate limit then holds one entry list
    per user, as in production, instead of one huge list for a single address."""
    return f"127.1.{index // 250}.{index % 250 + 1}"


async def _user(index: int, options: dict[str, Any], window: Window, streams: list[Stream]) -> None:
    loop = asyncio.get_running_loop()
    await asyncio.sleep(options["ramp"] * index / options["concurrency"])
    questions = options["questions"]
    session_id = str(uuid.uuid4())
    client: Client | None = None
    turn = index
    while time.perf_counter() < window.end:
        if client is None or client.transport is None:
            client = Client(options["target"] == "service", window)
            try:
                await loop.create_connection(
                    lambda c=client: c, options["host"], options["port"], local_addr=(client_address(index), 0)
                )
            except OSError as exc:
                streams.append(Stream(started=time.perf_counter(), error=f"connect_{type(exc).__name__}"))
                await asyncio.sleep(0.1)
                continue
        fresh = not client.used
        client.used = True
        stream = await client.send(_request(options, questions[turn % len(questions)], session_id))
        stream.fresh = fresh
        turn += 1
        if stream.tokens != options["tokens"] and not stream.error:
            stream.error = f"tokens_{stream.tokens}"
        streams.append(stream)
        if stream.error and client.transport is not None:
            client.transport.close()
    if client is not None and client.transport is not None:
        client.transport.close()


class _Sampler:
    """CPU of the watched processes over the window, and the service's RSS peak during the run."""

    def __init__(self, pids: dict[str, int], rss_pid: int | None) -> None:
        self.pids, self.rss_pid = pids, rss_pid
        self.cpu_start: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self.cores_start: list[dict[str, float]] = []
        self.cores: list[dict[str, float]] = []  # busy seconds of each core, whoever ran there
        self.rss_peak_kb = 0

    def begin(self) -> None:
        self.cpu_start = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        self.cpu_start["loadgen"] = time.process_time()
        self.cores_start = core_busy_seconds()

    def end(self) -> None:
        self.cpu = {name: cpu_seconds(pid) - self.cpu_start[name] for name, pid in self.pids.items()}
        self.cpu["loadgen"] = time.process_time() - self.cpu_start["loadgen"]
        self.cores = [
            {kind: after[kind] - before[kind] for kind in after}
            for before, after in zip(self.cores_start, core_busy_seconds(), strict=True)
        ]

    async def watch_rss(self) -> None:
        while self.rss_pid is not None:
            self.rss_peak_kb = max(self.rss_peak_kb, memory_kb(self.rss_pid)["VmRSS"])
            await asyncio.sleep(RSS_SAMPLE_SECONDS)


async def _fetch_stats(url: str) -> dict[str, Any]:
    """GET a fake's /stats JSON (which also resets it)."""
    host, port = url.split("//", 1)[1].split("/", 1)[0].split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(f"GET /stats HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
    )
    body = await reader.readexactly(length)
    writer.close()
    return dict(json.loads(body))


async def measure(options: dict[str, Any]) -> dict[str, Any]:
    """Run the load and return the figures of the window."""
    probe = LagProbe()
    probe_task = asyncio.create_task(probe.run_async())
    now = time.perf_counter()
    window = Window(start=now + options["warmup"], end=now + options["warmup"] + options["duration"])
    sampler = _Sampler({k: int(v) for k, v in options["pids"].items()}, options.get("rss_pid"))
    rss_task = asyncio.create_task(sampler.watch_rss())
    streams: list[Stream] = []
    users = [asyncio.create_task(_user(i, options, window, streams)) for i in range(options["concurrency"])]
    await asyncio.sleep(max(0.0, window.start - time.perf_counter()))
    for url in options["stats"].values():
        await _fetch_stats(url)
    sampler.begin()
    probe.reset()
    await asyncio.sleep(max(0.0, window.end - time.perf_counter()))
    sampler.end()
    lag = {"loadgen": probe.summary()}
    for name, url in options["stats"].items():
        lag[name] = await _fetch_stats(url)
    _, pending = await asyncio.wait(users, timeout=options["drain"])
    for task in pending:
        task.cancel()
    unfinished = len(pending)
    rss_task.cancel()
    probe_task.cancel()
    return _summary(options, window, streams, sampler, lag, unfinished)


def _summary(
    options: dict[str, Any],
    window: Window,
    streams: list[Stream],
    sampler: _Sampler,
    lag: dict[str, Any],
    unfinished: int,
) -> dict[str, Any]:
    inside = [s for s in streams if window.start <= s.started < window.end and not s.error]
    completed = sum(1 for s in streams if window.start <= s.ended < window.end and not s.error)
    errors: dict[str, int] = {}
    for stream in streams:
        if stream.error:
            errors[stream.error] = errors.get(stream.error, 0) + 1
    if unfinished:
        errors["unfinished"] = unfinished
    ttft = [s.first_token - s.started for s in inside]
    gaps = [gap for s in inside for gap in s.gaps]
    duration = window.end - window.start
    return {
        "target": options["target"],
        "concurrency": options["concurrency"],
        "loop": loop_name(),
        "streams_per_s": completed / duration,
        "tokens_per_s": window.tokens / duration,
        "tokens": window.tokens,
        "ttft_p50_ms": percentile(ttft, 0.5) * 1000,
        "ttft_p99_ms": percentile(ttft, 0.99) * 1000,
        "ttft_p90_ms": percentile(ttft, 0.90) * 1000,
        "ttft_max_ms": max(ttft, default=0.0) * 1000,
        # Streams opened on a new connection inside the window (keep-alive was lost), and their TTFT p99.
        "fresh_connections": sum(1 for s in inside if s.fresh),
        "ttft_fresh_p99_ms": percentile([s.first_token - s.started for s in inside if s.fresh], 0.99) * 1000,
        "gap_p99_ms": percentile(gaps, 0.99) * 1000,
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "cpu_seconds": sampler.cpu,
        "core_busy_seconds": sampler.cores,
        "duration": duration,
        "rss_peak_kb": sampler.rss_peak_kb,
        "lag": lag,
    }


if __name__ == "__main__":
    result = run(lambda: measure(json.loads(sys.argv[1])))
    print(json.dumps(result), flush=True)
