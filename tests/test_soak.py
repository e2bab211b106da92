"""A small soak (bench/soak.py) on every run: a thousand streams through one gunicorn worker,
each ending with `done`, with no memory or file-descriptor growth after a short warm-up and
the service's metrics agreeing. The full run (22,000+ streams) is in RELIABILITY.md."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.servers import ROOT

COMMAND = [
    sys.executable, "-m", "bench.soak", "--streams", "1000", "--warmup-streams", "300", "--warmup-seconds", "0",
    "--phases", "2", "--concurrency", "20", "--rss-bound-mb", "4",
]  # fmt: skip


def test_a_thousand_streams_through_one_worker_leave_nothing_behind():
    result = subprocess.run(COMMAND, cwd=ROOT, capture_output=True, text=True, timeout=120)

    figures = json.loads(result.stdout)
    assert figures["checks"] == dict.fromkeys(figures["checks"], True), figures
    assert result.returncode == 0
    assert figures["outcomes"] == {"done": 1300}
