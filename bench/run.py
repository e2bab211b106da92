"""One benchmark run: start the fakes and the service, load each concurrency level twice
(the fake LLM directly, then through the service), and collect the figures."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bench.processes import (
    Processes,
    can_pin,
    pinned,
    post_json,
    raise_file_limit,
    ready_line,
    start_redis,
    start_service,
)
from bench.procstat import memory_kb

QUESTIONS = (
    "What cloud experience does Ada have?",
    "Has Ada led a team?",
    "Is Ada open to remote work?",
    "What does Ada know about Kubernetes?",
    "Which programming languages does Ada use?",
    "What did Ada do at Cloudco?",
    "Has Ada worked on call?",
    "How did Ada cut cloud costs?",
    "What is Ada's strongest skill?",
    "Does Ada know Terraform?",
    "What are Ada's gaps?",
    "Where did Ada study?",
)


@dataclass(frozen=True)
class Options:
    levels: tuple[int, ...] = (1, 200, 500, 1000)
    warmup: float = 3.0
    duration: float = 10.0
    drain: float = 20.0
    first_token_ms: float = 200.0
    tokens: int = 50
    gap_ms: float = 20.0
    service_core: int | None = 0
    client_core: int | None = 1
    profile_level: int | None = None
    retrieval_cache: bool = True  # False: every question asks memvid (the cache-miss cost)
    tracing: bool = False  # True: the service exports its traces over OTLP/HTTP to a local sink
    redis: bool = False  # True: sessions, rate limits and caches in a local redis-server
    workers: int = 1
    profile_dir: Path = Path("bench/results")


def _ramp(options: Options, concurrency: int) -> float:
    # Spread connection set-up over at most one stream's length, so the SYNs don't burst.
    return min(1.0, options.warmup / 2) if concurrency > 1 else 0.0


def _loadgen(options: Options, settings: dict[str, Any], worker_pid: int | None = None) -> dict[str, Any]:
    """Run the load generator (pinned); profile the worker meanwhile when asked to."""
    command = pinned(options.client_core, [sys.executable, "-m", "bench.loadgen", json.dumps(settings)])
    timeout = options.warmup + options.duration + options.drain + 60
    loadgen = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    profiler = _profile(options, worker_pid, settings["concurrency"]) if worker_pid else None
    stdout, stderr = loadgen.communicate(timeout=timeout)
    if profiler is not None:
        profiler.wait(timeout=options.duration + 30)
    lines = stdout.decode().strip().splitlines()
    if loadgen.returncode != 0 or not lines:
        raise RuntimeError(f"load generator failed ({loadgen.returncode}):\n{stderr.decode()[-3000:]}")
    return dict(json.loads(lines[-1]))


def _profile(options: Options, worker_pid: int, concurrency: int) -> subprocess.Popen[bytes] | None:
    if options.profile_level != concurrency:
        return None
    options.profile_dir.mkdir(parents=True, exist_ok=True)
    out = options.profile_dir / f"profile-{concurrency}.txt"
    seconds = max(1, int(options.duration))
    record = ["py-spy", "record", "--pid", str(worker_pid), "--duration", str(seconds), "--rate", "250"]
    command = pinned(options.client_core, [*record, "--nonblocking", "--format", "raw", "--output", str(out)])
    time.sleep(options.warmup)
    # Collapsed stacks ("raw"): one line per stack with its sample count, for flame graphs
    # (e.g. speedscope) or a quick sort. Taking samples perturbs the figures of this level.
    print(f"# profiling the worker for {seconds}s into {out}", file=sys.stderr)
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def run(options: Options) -> dict[str, Any]:
    """Run every level; return the raw figures of each."""
    files = raise_file_limit()
    if options.profile_level is not None and shutil.which("py-spy") is None:
        raise SystemExit("--profile needs py-spy: run `uv run --group bench python -m bench ...`")
    if not (can_pin(options.service_core) and can_pin(options.client_core)):
        print(
            "# warning: cannot pin to the cores asked for (taskset or cores missing): running unpinned", file=sys.stderr
        )
        options = replace(options, service_core=None, client_core=None)
    with tempfile.TemporaryDirectory(prefix="resume-bench-") as tmp:
        procs = Processes(Path(tmp))
        try:
            return _run(options, procs, files)
        finally:
            procs.stop()


def _run(options: Options, procs: Processes, files: int) -> dict[str, Any]:
    fake_options = {"first_token_ms": options.first_token_ms, "tokens": options.tokens, "gap_ms": options.gap_ms}
    llm = procs.spawn(
        "fake_llm", pinned(options.client_core, [sys.executable, "-m", "bench.fake_llm", json.dumps(fake_options)])
    )
    llm_port = int(ready_line(llm)[0])
    memvid = procs.spawn("fake_memvid", pinned(options.client_core, [sys.executable, "-m", "bench.fake_memvid"]))
    memvid_port, memvid_stats = (int(word) for word in ready_line(memvid))
    env = {
        "OPENROUTER_API_KEY": "bench-key",
        "OPENROUTER_BASE_URL": f"http://127.0.0.1:{llm_port}/api/v1",
        "MEMVID_GRPC_URL": f"127.0.0.1:{memvid_port}",
        "MEMVID_TELEMETRY": "0",
        # Per client IP; each bench user asks about 50 questions a minute.
        "RATE_LIMIT_PER_MINUTE": "100000",
        "MAX_SESSIONS": str(2 * max(options.levels) + 100),
        "LOG_LEVEL": "INFO",
        "LOG_FORMAT": "json",
    }
    if not options.retrieval_cache:
        env["RETRIEVAL_CACHE_SECONDS"] = "0"
    sink = None
    if options.tracing:
        sink = procs.spawn("otlp_sink", pinned(options.client_core, [sys.executable, "-m", "bench.otlp_sink"]))
        env["OTEL_EXPORTER_OTLP_ENDPOINT"] = f"http://127.0.0.1:{ready_line(sink)[0]}"
    extra_pids = {}
    if options.redis:
        redis_port, extra_pids["redis"] = start_redis(procs, options.client_core)
        env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
    service = start_service(
        procs, env, options.service_core, connections=max(options.levels) + 100, workers=options.workers
    )
    for question in QUESTIONS:  # warm the service: imports, pools, caches
        post_json(service.port, "/api/v1/chat", {"message": question})
    idle_rss_kb = memory_kb(service.worker_pid)["VmRSS"]
    stats = {"fake_llm": f"http://127.0.0.1:{llm_port}/stats", "memvid": f"http://127.0.0.1:{memvid_stats}/stats"}
    # Every worker's CPU counts as the service's ("service", "service_2", ...).
    workers = {f"service_{n}" if n > 1 else "service": pid for n, pid in enumerate(service.worker_pids, 1)}
    pids = {**workers, "fake_llm": llm.pid, "memvid": memvid.pid, **extra_pids}
    levels = []
    for concurrency in options.levels:
        common = {
            "host": "127.0.0.1", "concurrency": concurrency, "warmup": options.warmup, "duration": options.duration,
            "drain": options.drain, "ramp": _ramp(options, concurrency), "tokens": options.tokens,
            "questions": list(QUESTIONS), "pids": pids, "stats": stats,
        }  # fmt: skip
        direct = _loadgen(options, {**common, "target": "direct", "port": llm_port, "path": "/api/v1/chat/completions"})
        relayed = _loadgen(
            options,
            {
                **common,
                "target": "service",
                "port": service.port,
                "path": "/api/v1/chat",
                "rss_pid": service.worker_pid,
            },
            worker_pid=service.worker_pid,
        )
        levels.append({"concurrency": concurrency, "direct": direct, "service": relayed})
        print(f"# level {concurrency} done", file=sys.stderr, flush=True)
    return {
        "levels": levels,
        "idle_rss_kb": idle_rss_kb,
        "peak_rss_kb": memory_kb(service.worker_pid)["VmHWM"],
        "file_limit": files,
        "service_core": options.service_core,
        "workers": options.workers,
        "redis": options.redis,
        "client_core": options.client_core,
        "service_log_tail": service.log_path.read_text(errors="replace")[-2000:],
        "service_warnings": _warnings(service.log_path),
        "otlp_exports": _get_json(f"{env['OTEL_EXPORTER_OTLP_ENDPOINT']}/stats") if sink else None,
    }


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def _warnings(log_path: Path) -> dict[str, int]:
    """Count the service's warning and error log lines by level and event."""
    counts: dict[str, int] = {}
    for line in log_path.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("level") in ("warning", "error", "critical"):
            key = f"{entry['level']}: {str(entry.get('event'))[:80]}"
            counts[key] = counts.get(key, 0) + 1
    return counts
