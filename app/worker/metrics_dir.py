"""The Prometheus multiprocess directory, managed by the gunicorn master.

Standard library only, on purpose: prometheus_client chooses between in-process and
multiprocess values once, when it is imported, from PROMETHEUS_MULTIPROC_DIR. The
master must not import it (its workers would inherit that choice); it only prepares
the directory the workers' metrics write their files to. The state is module-level
because gunicorn re-reads its config file on HUP, while imported modules stay.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping, MutableMapping
from pathlib import Path

ENV_VAR = "PROMETHEUS_MULTIPROC_DIR"

_made_here: Path | None = None


def prepare(environ: MutableMapping[str, str] = os.environ) -> Path:
    """Point PROMETHEUS_MULTIPROC_DIR at an empty directory (a new temporary one if unset)."""
    global _made_here
    configured = environ.get(ENV_VAR, "").strip()
    if not configured:
        # Without the variable every worker would count alone and scrapes would disagree.
        _made_here = Path(tempfile.mkdtemp(prefix="resume-api-metrics-"))
        environ[ENV_VAR] = str(_made_here)
        return _made_here
    path = Path(configured)
    path.mkdir(parents=True, exist_ok=True)
    # Files of a previous run would be added to this run's totals.
    for stale in path.glob("*.db"):
        stale.unlink()
    return path


def configured(environ: Mapping[str, str] = os.environ) -> Path | None:
    """Return the directory prometheus_client keeps its values in, None when each process counts alone."""
    # The variable prometheus_client itself reads, when it is imported, to choose its mode.
    value = environ.get(ENV_VAR, "").strip()
    return Path(value) if value else None


def leave_to_the_server(environ: MutableMapping[str, str] = os.environ) -> None:
    """Outside gunicorn (a one-off `flask --app wsgi ...`), let this process count alone.

    The image sets PROMETHEUS_MULTIPROC_DIR for every process: a command run in the container
    wrote its metric files into the live directory, which every scrape then read and nothing
    removed. gunicorn's master names itself in SERVER_SOFTWARE, which its workers inherit.
    Call it before importing any module that defines a metric.
    """
    if not environ.get("SERVER_SOFTWARE", "").startswith("gunicorn/"):
        environ.pop(ENV_VAR, None)


def mark_dead(pid: int, environ: Mapping[str, str] = os.environ) -> None:
    """Drop a dead worker's live gauges; its counters and histograms stay in the totals."""
    path = configured(environ)
    if path is None:
        return
    # The files prometheus_client.multiprocess.mark_process_dead removes (`gauge_live*`),
    # without importing prometheus_client into the master.
    for live in path.glob(f"gauge_live*_{pid}.db"):
        live.unlink(missing_ok=True)


def cleanup() -> None:
    """Delete the directory `prepare` made, if it made one (the master is exiting)."""
    global _made_here
    if _made_here is not None:
        shutil.rmtree(_made_here, ignore_errors=True)
        _made_here = None
