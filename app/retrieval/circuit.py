"""A small circuit breaker so a dead memvid costs one fast failure, not a deadline per request.

closed --N consecutive failures--> open --back-off elapsed--> one probe call (half-open)
  probe succeeds -> closed (back-off reset);  probe fails -> open, back-off doubled (capped).

A granted probe re-arms the timer, so a probe that never reports back (its greenlet was
killed) only delays the next probe by one back-off instead of wedging the breaker.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Literal

State = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    """Count consecutive failures of a remote service and refuse calls while it is down."""

    def __init__(
        self,
        *,
        failure_threshold: int = 3,
        base_delay: float = 2.0,
        max_delay: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1 or base_delay <= 0 or max_delay < base_delay:
            raise ValueError("need failure_threshold >= 1 and 0 < base_delay <= max_delay")
        self.failure_threshold = failure_threshold
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._clock = clock
        # A plain lock: the critical sections never block, so it is safe under gevent too.
        self._lock = threading.Lock()
        self._failures = 0
        self._open = False
        self._probing = False
        self._delay = base_delay
        self._next_probe_at = 0.0

    @property
    def state(self) -> State:
        """Return "closed", "open" (refusing calls) or "half_open" (a probe is out)."""
        with self._lock:
            if not self._open:
                return "closed"
            return "half_open" if self._probing else "open"

    @property
    def retry_after(self) -> float:
        """Return the seconds until a call may go out (0 when one may go now)."""
        with self._lock:
            if not self._open:
                return 0.0
            return max(0.0, self._next_probe_at - self._clock())

    def allow(self) -> bool:
        """Return whether a call may go out now; when open and due, grant it as the probe."""
        with self._lock:
            if not self._open:
                return True
            now = self._clock()
            if now < self._next_probe_at:
                return False
            # Callers arriving while the probe is out keep failing fast until this time.
            self._probing = True
            self._next_probe_at = now + self._delay
            return True

    def record_success(self) -> None:
        """Note that the service answered: close the circuit and reset the back-off."""
        with self._lock:
            self._failures = 0
            self._open = False
            self._probing = False
            self._delay = self.base_delay

    def record_failure(self) -> None:
        """Note that the service failed: open after N in a row, back off further on a failed probe."""
        with self._lock:
            now = self._clock()
            if self._open:
                # Only a failed probe escalates; late failures of calls that went out before
                # the circuit opened would otherwise inflate the back-off to its cap at once.
                if self._probing:
                    self._probing = False
                    self._delay = min(self._delay * 2, self.max_delay)
                    self._next_probe_at = now + self._delay
                return
            self._failures += 1
            if self._failures >= self.failure_threshold:
                self._open = True
                self._delay = self.base_delay
                self._next_probe_at = now + self._delay
