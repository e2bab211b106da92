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
from dataclasses import dataclass, field
from typing import Any

from bench.loops import LagProbe, loop_name, percentile, run
from bench.procstat import core_busy_seconds, cpu_seconds, memory_kb

RSS_SAMPLE_SECONDS = 0.1


@dataclass(slots=True)
class Stream:
    """What one request saw; times are perf_counter seconds."""

    started: float
    first_token: float = 0.0
    last_token: float = 0.0
    ended: float = 0.0
    tokens: int = 0
    done: bool = False
    error: str = ""
    gaps: list[float] = field(default_factory=list)


class _Client(asyncio.Protocol):
    """One keep-alive connection; `send` returns a future resolved with the finished Stream."""

    def __init__(self, service: bool, window: Window) -> None:
        self.service = service
        self.window = window
        self.transport: asyncio.Transport | None = None
        self.future: asyncio.Future[Stream] | None = None
        self.stream: Stream | None = None
        self._reset()

    def _reset(self) -> None:
        self.raw = bytearray()
        self.events = bytearray()
        self.head_done = False
        self.chunk_left = 0
        self.skip_crlf = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self._finish("connection_lost")

    def send(self, request: bytes) -> asyncio.Future[Stream]:
        self._reset()
        self.stream = Stream(started=time.perf_counter())
        self.future = future = asyncio.get_running_loop().create_future()
        if self.transport is None:
            self._finish("connection_closed")
        else:
            self.transport.write(request)
        return future

    def data_received(self, data: bytes) -> None:
        if self.stream is None:
            return
        self.raw += data
        if not self.head_done and not self._head():
            return
        if self._dechunk():
            self._parse_events(time.perf_counter())
            self._finish("" if self.stream is not None and self.stream.done else "incomplete")
        else:
            self._parse_events(time.perf_counter())

    def _head(self) -> bool:
        end = self.raw.find(b"\r\n\r\n")
        if end < 0:
            return False
        head = bytes(self.raw[:end]).lower()
        del self.raw[: end + 4]
        status = head[9:12]
        if status != b"200" or b"transfer-encoding: chunked" not in head:
            self._finish(f"http_{status.decode()}")
            if self.transport is not None:
                self.transport.close()
            return False
        self.head_done = True
        return True

    def _dechunk(self) -> bool:
        """Move chunk payloads from `raw` to `events`; True once the last chunk arrived."""
        raw = self.raw
        while raw:
            if self.chunk_left:
                take = min(self.chunk_left, len(raw))
                self.events += raw[:take]
                del raw[:take]
                self.chunk_left -= take
                self.skip_crlf = self.chunk_left == 0
            elif self.skip_crlf:
                if len(raw) < 2:
                    return False
                del raw[:2]
                self.skip_crlf = False
            else:
                line_end = raw.find(b"\r\n")
                if line_end < 0:
                    return False
                size = int(bytes(raw[:line_end]).split(b";")[0], 16)
                del raw[: line_end + 2]
                if size == 0:
                    return True
                self.chunk_left = size
        return False

    def _parse_events(self, now: float) -> None:
        stream = self.stream
        if stream is None or not self.events:
            return
        events = self.events
        end = events.rfind(b"\n\n")
        if end < 0:
            return
        tokens = 0
        for event in bytes(events[:end]).split(b"\n\n"):
            if not event.startswith(b"data: "):
                continue  # a comment: `: stream open`, `: keepalive`
            if self._is_token(event):
                tokens += 1
            elif event.startswith(b'data: {"type":"error"'):
                stream.error = json.loads(event[6:]).get("code", "error")
            elif event.startswith((b'data: {"type":"done"', b"data: [DONE]")):
                stream.done = True
        del events[: end + 2]
        if tokens:
            if stream.tokens:
                stream.gaps.append(now - stream.last_token)
                stream.gaps.extend([0.0] * (tokens - 1))
            else:
                stream.first_token = now
                stream.gaps.extend([0.0] * (tokens - 1))
            stream.tokens += tokens
            stream.last_token = now
            self.window.count_tokens(now, tokens)

    def _is_token(self, event: bytes) -> bool:
        if self.service:
            return event.startswith(b'data: {"type":"token"')
        return b'"content":"' in event and b'"content":""' not in event

    def _finish(self, error: str) -> None:
        stream, future = self.stream, self.future
        self.stream = self.future = None
        if stream is None or future is None or future.done():
            return
        stream.ended = time.perf_counter()
        if error and not stream.error:
            stream.error = error
        future.set_result(stream)


@dataclass
class Window:
    """The measurement window, and the tokens counted inside it."""

    start: float
    end: float
    tokens: int = 0

    def count_tokens(self, now: float, tokens: int) -> None:
        if self.start <= now < self.end:
            self.tokens += tokens


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


async def _user(index: int, options: dict[str, Any], window: Window, streams: list[Stream]) -> None:
    loop = asyncio.get_running_loop()
    await asyncio.sleep(options["ramp"] * index / options["concurrency"])
    questions = options["questions"]
    session_id = str(uuid.uuid4())
    client: _Client | None = None
    turn = index
    while time.perf_counter() < window.end:
        if client is None or client.transport is None:
            client = _Client(options["target"] == "service", window)
            try:
                await loop.create_connection(lambda c=client: c, options["host"], options["port"])
            except OSError as exc:
                streams.append(Stream(started=time.perf_counter(), error=f"connect_{type(exc).__name__}"))
                await asyncio.sleep(0.1)
                continue
        stream = await client.send(_request(options, questions[turn % len(questions)], session_id))
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
