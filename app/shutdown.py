"""Graceful shutdown of open streams in a gunicorn worker.

gunicorn SIGKILLs streams still open after `graceful_timeout`, and their `finally` blocks
never run. So once the worker is stopping, streams keep going until shortly before that
deadline, then end themselves with a `server_shutdown` error event. This is process
state on purpose: a gunicorn worker is a process.
"""

from __future__ import annotations

import time
from typing import Any

# Seconds before gunicorn's kill at which open streams end themselves.
MARGIN_SECONDS = 2.0

_worker: Any = None
_graceful_timeout = 0.0
_deadline: float | None = None


def watch(worker: Any, graceful_timeout: float) -> None:
    """Follow `worker.alive`, which gunicorn clears when the worker must stop."""
    global _worker, _graceful_timeout, _deadline
    _worker, _graceful_timeout, _deadline = worker, float(graceful_timeout), None


def reset() -> None:
    """Forget the watched worker (tests)."""
    watch(None, 0.0)


def stream_deadline_passed() -> bool:
    """True once open streams must end themselves."""
    global _deadline
    if _worker is None or _worker.alive:
        return False
    if _deadline is None:
        _deadline = time.monotonic() + max(0.0, _graceful_timeout - MARGIN_SECONDS)
    return time.monotonic() >= _deadline
