"""A few seconds of the benchmark (bench/), so the command cannot rot: tiny load, same code."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.servers import ROOT

# Two levels, a fast fake LLM and second-long windows: the whole run takes a few seconds.
COMMAND = [
    sys.executable, "-m", "bench", "--levels", "1,2", "--warmup", "0.3", "--duration", "0.7", "--drain", "5",
    "--first-token-ms", "20", "--tokens", "5", "--gap-ms", "5",
]  # fmt: skip


def test_bench_prints_its_table_with_zero_errors(tmp_path):
    raw = tmp_path / "bench.json"

    result = subprocess.run([*COMMAND, "--json", str(raw)], cwd=ROOT, capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("| streams | streams/s"))
    rows = [line.split(" | ") for line in lines[header + 2 : header + 4]]
    assert [row[0] for row in rows] == ["| 1", "| 2"]
    errors_column = lines[header].split(" | ").index("errors")
    assert [row[errors_column] for row in rows] == ["0", "0"]
    levels = json.loads(raw.read_text())["levels"]
    for level in levels:
        for run in (level["direct"], level["service"]):
            assert run["errors"] == 0, run["error_kinds"]
            assert run["tokens"] > 0
