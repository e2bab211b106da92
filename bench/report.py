"""The results table (markdown) and the check of each target of issue 5."""

from __future__ import annotations

import platform
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Row:
    """The figures of one concurrency level, derived from the direct and the relayed run."""

    concurrency: int
    streams_per_s: float
    direct_streams_per_s: float
    tokens_per_s: float
    direct_ttft_p50: float
    direct_ttft_p99: float
    added_ttft_p50: float
    added_ttft_p99: float
    gap_p99: float
    direct_gap_p99: float
    errors: int
    direct_errors: int
    error_kinds: dict[str, int]
    cpu_us_per_token: float
    worker_cpu: float
    peak_rss_mb: float
    rss_kb_per_stream: float
    client_core: dict[str, dict[str, float]]  # run -> process -> CPU share of a core
    lag: dict[str, dict[str, float]]  # run -> process -> lag p99 (ms)
    foreign: dict[str, tuple[float, float] | None]  # run -> share of core 0 and 1 busy with other processes

    @property
    def ratio(self) -> float:
        return self.streams_per_s / self.direct_streams_per_s if self.direct_streams_per_s else 0.0


def _client_side(run: dict[str, Any]) -> tuple[dict[str, float], dict[str, float]]:
    cpu = {name: run["cpu_seconds"][name] / run["duration"] for name in ("loadgen", "fake_llm", "memvid")}
    lag = {name: run["lag"][name]["lag_p99_ms"] for name in ("loadgen", "fake_llm", "memvid")}
    return cpu, lag


def _foreign(run: dict[str, Any], cores: tuple[int | None, int | None]) -> tuple[float, float] | None:
    """Share of the service's and the client's core used by processes outside the bench."""
    service_core, client_core = cores
    busy = run.get("core_busy_seconds") or []
    if service_core is None or client_core is None or max(service_core, client_core) >= len(busy):
        return None
    cpu = run["cpu_seconds"]
    ours = cpu["loadgen"] + cpu["fake_llm"] + cpu["memvid"] + cpu.get("redis", 0.0)
    return (
        # A process's CPU time includes the interrupt work done on its behalf.
        max(0.0, busy[service_core]["tasks"] + busy[service_core]["irq"] - _service_cpu(run)) / run["duration"],
        max(0.0, busy[client_core]["tasks"] + busy[client_core]["irq"] - ours) / run["duration"],
    )


def _service_cpu(run: dict[str, Any]) -> float:
    """CPU seconds of every gunicorn worker (one entry per worker: service, service_2, ...)."""
    return float(sum(seconds for name, seconds in run["cpu_seconds"].items() if name.startswith("service")))


def rows(results: dict[str, Any]) -> list[Row]:
    """Derive one row per level."""
    derived = []
    for level in results["levels"]:
        direct, svc, concurrency = level["direct"], level["service"], level["concurrency"]
        cpu_direct, lag_direct = _client_side(direct)
        cpu_svc, lag_svc = _client_side(svc)
        service_cpu = _service_cpu(svc)
        cores = (results.get("service_core"), results.get("client_core"))
        derived.append(
            Row(
                concurrency=concurrency,
                streams_per_s=svc["streams_per_s"],
                direct_streams_per_s=direct["streams_per_s"],
                tokens_per_s=svc["tokens_per_s"],
                direct_ttft_p50=direct["ttft_p50_ms"],
                direct_ttft_p99=direct["ttft_p99_ms"],
                added_ttft_p50=svc["ttft_p50_ms"] - direct["ttft_p50_ms"],
                added_ttft_p99=svc["ttft_p99_ms"] - direct["ttft_p99_ms"],
                gap_p99=svc["gap_p99_ms"],
                direct_gap_p99=direct["gap_p99_ms"],
                errors=svc["errors"],
                direct_errors=direct["errors"],
                error_kinds={**direct["error_kinds"], **svc["error_kinds"]},
                cpu_us_per_token=service_cpu / svc["tokens"] * 1e6 if svc["tokens"] else 0.0,
                worker_cpu=service_cpu / svc["duration"],
                peak_rss_mb=svc["rss_peak_kb"] / 1024,
                rss_kb_per_stream=max(0.0, svc["rss_peak_kb"] - results["idle_rss_kb"]) / concurrency,
                client_core={"direct": cpu_direct, "service": cpu_svc},
                lag={"direct": lag_direct, "service": lag_svc},
                foreign={"direct": _foreign(direct, cores), "service": _foreign(svc, cores)},
            )
        )
    return derived


def _pct(share: dict[str, float]) -> str:
    return f"{sum(share.values()) * 100:.0f} ({share['loadgen'] * 100:.0f}/{share['fake_llm'] * 100:.0f}/{share['memvid'] * 100:.0f})"


def _other(foreign: tuple[float, float] | None) -> str:
    return "n/a" if foreign is None else f"{foreign[0] * 100:.0f}/{foreign[1] * 100:.0f}"


def _lag(lag: dict[str, float]) -> str:
    return f"{lag['loadgen']:.1f}/{lag['fake_llm']:.1f}/{lag['memvid']:.1f}"


HEADER = (
    "| streams | streams/s (direct) | tokens/s | added TTFT p50 / p99 ms (direct p50 / p99) | gap p99 ms (direct)"
    " | errors | worker CPU µs/token (core 0 busy) | peak RSS MB | RSS KB/open stream"
    " | core 1 busy %, relayed run: total (gen/LLM/memvid) | loop lag p99 ms, relayed run (gen/LLM/memvid)"
    " | core 1 busy %, direct run | loop lag p99 ms, direct run"
    " | other processes' % of core 0/1 (relayed; direct) |"
)


def table(derived: list[Row]) -> str:
    """Return the markdown table of every level."""
    lines = [HEADER, "|" + "---|" * HEADER.count(" | ") + "---|"]
    for row in derived:
        errors = str(row.errors) + (f" (direct {row.direct_errors})" if row.direct_errors else "")
        lines.append(
            f"| {row.concurrency} | {row.streams_per_s:.1f} ({row.direct_streams_per_s:.1f}, x{row.ratio:.2f})"
            f" | {row.tokens_per_s:,.0f}"
            f" | {row.added_ttft_p50:+.1f} / {row.added_ttft_p99:+.1f} ({row.direct_ttft_p50:.1f} / {row.direct_ttft_p99:.1f})"
            f" | {row.gap_p99:.1f} ({row.direct_gap_p99:.1f}) | {errors}"
            f" | {row.cpu_us_per_token:.1f} ({row.worker_cpu * 100:.0f}%)"
            f" | {row.peak_rss_mb:.0f} | {row.rss_kb_per_stream:.0f}"
            f" | {_pct(row.client_core['service'])} | {_lag(row.lag['service'])}"
            f" | {_pct(row.client_core['direct'])} | {_lag(row.lag['direct'])}"
            f" | {_other(row.foreign['service'])}; {_other(row.foreign['direct'])} |"
        )
    return "\n".join(lines)


@dataclass(frozen=True)
class Target:
    level: int
    text: str
    measure: Callable[[Row], float]
    limit: float
    at_most: bool = True

    def check(self, row: Row) -> str:
        value = self.measure(row)
        met = value <= self.limit if self.at_most else value >= self.limit
        if met:
            return f"- met: {self.text} — {value:.2f}"
        missed_by = value - self.limit if self.at_most else self.limit - value
        return f"- MISSED: {self.text} — {value:.2f} (by {missed_by:.2f})"


TARGETS = (
    Target(1, "1 stream: added TTFT p50 ≤ 3 ms", lambda r: r.added_ttft_p50, 3.0),
    Target(200, "200 streams: added TTFT p99 ≤ 50 ms", lambda r: r.added_ttft_p99, 50.0),
    Target(200, "200 streams: errors = 0", lambda r: r.errors, 0),
    Target(500, "500 streams: streams/s ≥ 0.8 x direct", lambda r: r.ratio, 0.8, at_most=False),
    Target(500, "500 streams: added TTFT p99 ≤ 250 ms", lambda r: r.added_ttft_p99, 250.0),
    Target(500, "500 streams: errors = 0", lambda r: r.errors, 0),
    Target(500, "CPU per relayed token ≤ 60 µs (at 500)", lambda r: r.cpu_us_per_token, 60.0),
    Target(500, "peak RSS at 500 streams ≤ 150 MB", lambda r: r.peak_rss_mb, 150.0),
    Target(1000, "1000 streams: errors = 0", lambda r: r.errors, 0),
)


def targets(derived: list[Row]) -> str:
    """Return one line per target whose level was run."""
    by_level = {row.concurrency: row for row in derived}
    return "\n".join(target.check(by_level[target.level]) for target in TARGETS if target.level in by_level)


def machine(results: dict[str, Any]) -> str:
    """Describe where and how the figures were taken."""
    import os

    cores = len(os.sched_getaffinity(0))
    loop = results["levels"][0]["service"]["loop"] if results["levels"] else "?"
    return (
        f"{cores} cores ({platform.processor() or platform.machine()}), Linux {platform.release()}, "
        f"Python {sys.version.split()[0]}, load generator and fakes on {loop}, RLIMIT_NOFILE {results['file_limit']}"
    )
