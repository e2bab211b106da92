"""`uv run --group bench python -m bench`: run the benchmark and print its table.

The service runs as gunicorn with one gevent worker pinned to core 0. The load generator,
the fake LLM and the fake memvid share core 1, so the worker has its core to itself and
its CPU time is its own; the client-side processes' CPU and loop lag are in the table to
show they had room (and the direct baseline is measured with the same placement).
"""

from __future__ import annotations

import argparse
import datetime
import json
import shlex
import sys
from dataclasses import replace
from pathlib import Path

from bench.report import machine, rows, table, targets
from bench.run import Options, run

# Above this share of a core taken by processes outside the bench, the figures are disturbed.
DISTURBED = 0.05


def _levels(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part.strip())


def _core(text: str) -> int | None:
    return None if text in ("", "none") else int(text)


def parse(argv: list[str]) -> tuple[Options, Path | None]:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--levels", type=_levels, default=Options.levels, help="concurrency levels, e.g. 1,200,500,1000")
    add("--warmup", type=float, default=Options.warmup, help="seconds before each measurement window")
    add("--duration", type=float, default=Options.duration, help="seconds of each measurement window")
    add("--drain", type=float, default=Options.drain, help="seconds allowed for open streams after a window")
    add("--first-token-ms", type=float, default=Options.first_token_ms, help="fake LLM: delay before token 1")
    add("--tokens", type=int, default=Options.tokens, help="fake LLM: tokens per answer")
    add("--gap-ms", type=float, default=Options.gap_ms, help="fake LLM: gap between tokens")
    add("--service-core", type=_core, default=Options.service_core, help="core of the service ('none': unpinned)")
    add("--client-core", type=_core, default=Options.client_core, help="core of the load generator and fakes")
    add("--profile", type=int, default=None, metavar="LEVEL", help="py-spy the worker at this level (bench group)")
    add("--no-retrieval-cache", action="store_true", help="every question asks memvid (RETRIEVAL_CACHE_SECONDS=0)")
    add("--tracing", action="store_true", help="the service exports traces over OTLP/HTTP to a local sink")
    add("--redis", action="store_true", help="shared state in a local redis-server (REDIS_URL)")
    add("--workers", type=int, default=Options.workers, help="gunicorn workers (more than 1: run unpinned)")
    add("--json", type=Path, default=None, help="also write the raw figures to this file")
    args = parser.parse_args(argv)
    options = Options(
        levels=args.levels,
        warmup=args.warmup,
        duration=args.duration,
        drain=args.drain,
        first_token_ms=args.first_token_ms,
        tokens=args.tokens,
        gap_ms=args.gap_ms,
        service_core=args.service_core,
        client_core=args.client_core,
        profile_level=args.profile,
        retrieval_cache=not args.no_retrieval_cache,
        tracing=args.tracing,
        redis=args.redis,
        workers=args.workers,
    )
    if options.workers > 1:
        # Several workers need several cores: pinning them to one would measure nothing.
        options = replace(options, service_core=None, client_core=None)
    return options, args.json


def main(argv: list[str]) -> int:
    options, json_path = parse(argv)
    results = run(options)
    derived = rows(results)
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"Date: {now}")
    print(f"Machine: {machine(results)}")
    print(f"Command: python -m bench {shlex.join(argv)}".rstrip())
    print(
        f"Fake LLM: first token after {options.first_token_ms:g} ms, {options.tokens} tokens "
        f"{options.gap_ms:g} ms apart; window {options.duration:g} s after {options.warmup:g} s warm-up"
    )
    cores = (results["service_core"], results["client_core"])
    service = f"gunicorn ({options.workers} gevent worker{'s' if options.workers > 1 else ''})"
    placement = (
        f"{service} on core {cores[0]}; load generator, fake LLM, fake memvid (and redis) on core {cores[1]}"
        if None not in cores
        else f"{service}, unpinned (several workers, or taskset or the cores asked for are missing)"
    )
    tracing = f"on ({results['otlp_exports']} received by the OTLP sink)" if options.tracing else "off"
    state = "Redis (REDIS_URL)" if options.redis else "process memory"
    retrieval = f"retrieval cache {'on' if options.retrieval_cache else 'off'}"
    print(f"Placement: {placement}; {retrieval}; tracing {tracing}; state in {state}")
    print()
    print(table(derived))
    print()
    print(targets(derived))
    for row in derived:
        if row.error_kinds:
            print(f"errors at {row.concurrency}: {row.error_kinds}")
        for run_name, foreign in row.foreign.items():
            if foreign is not None and max(foreign) > DISTURBED:
                print(
                    f"warning: other processes used {max(foreign):.0%} of a bench core at {row.concurrency} ({run_name})"
                )
    for warning, count in results["service_warnings"].items():
        print(f"service log: {count} x {warning}")
    if json_path is not None:
        json_path.write_text(json.dumps({"options": repr(options), **results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
