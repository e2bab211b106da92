"""Graceful shutdown of open streams in a gunicorn worker.

On SIGTERM gunicorn's master gives its workers `graceful_timeout` seconds, then SIGKILLs
them: a stream still open then is cut off mid-answer and its `finally` never runs. So
once the worker is stopping, streams carry on until `MARGIN_SECONDS` before that kill,
then end themselves with the terminal `server_shutdown` error event. Module state on
purpose: a gunicorn worker is one process.
"""

from __future__ import annotations

import signal
import time
from types import FrameType
from typing import Any

# Room left before the kill: a stream notices the deadline within one poll of its loop
# (`app.chat.relay.POLL_SECONDS`, 1 s), then writes its last event and closes.
MARGIN_SECONDS = 2.0

_worker: Any = None
_graceful_timeout = 0.0
_stopping_since: float | None = None


def watch(worker: Any, graceful_timeout: float) -> None:
    """Follow `worker.alive`, which gunicorn clears when the worker must stop."""
    global _worker, _graceful_timeout, _stopping_since
    _worker, _graceful_timeout, _stopping_since = worker, float(graceful_timeout), None


def reset() -> None:
    """Forget the watched worker (tests)."""
    watch(None, 0.0)


def note_stop_requested() -> None:
    """Start the shutdown clock now (the moment SIGTERM arrived), unless it already runs."""
    global _stopping_since
    if _stopping_since is None:
        _stopping_since = time.monotonic()


def hook_sigterm() -> None:
    """Note SIGTERM's arrival time, then run the handler gunicorn installed (it clears `alive`)."""
    previous = signal.getsignal(signal.SIGTERM)

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        note_stop_requested()
        _close_connections_when_idle()
        if callable(previous):
            previous(signum, frame)

    signal.signal(signal.SIGTERM, on_sigterm)
    # signal.signal() drops the SA_RESTART flag gunicorn set: keep system calls uninterrupted.
    signal.siginterrupt(signal.SIGTERM, False)


def _close_connections_when_idle() -> None:
    # The gevent worker exits only once no connection is open, and it lets an idle
    # keep-alive connection wait `keepalive` seconds for another request: a stream that
    # ends near the deadline would be SIGKILLed in that wait. With keepalive 0, each
    # connection closes as soon as its response is complete.
    cfg = getattr(_worker, "cfg", None)
    if cfg is not None:
        cfg.set("keepalive", 0)


def seconds_left() -> float | None:
    """Seconds until open streams must end; None while the worker is not stopping."""
    if _worker is None:
        return None
    if _stopping_since is None:
        if _worker.alive:
            return None
        # Stopping without a SIGTERM (max_requests, reload): the clock starts when first seen.
        note_stop_requested()
    assert _stopping_since is not None
    deadline = _stopping_since + max(0.0, _graceful_timeout - MARGIN_SECONDS)
    return deadline - time.monotonic()


def stream_deadline_passed() -> bool:
    """True once open streams must end themselves."""
    left = seconds_left()
    return left is not None and left <= 0
