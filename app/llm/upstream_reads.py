"""How long the reads of an upstream response may wait, and taking its end without waiting.

The socket's timeout is the read timeout (the longest silence, SPEC §8) while an answer comes;
`upstream_stream` shortens it as the answer's deadline nears and once the answer's finish
has come, and gives it back before the connection returns to requests' pool.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import requests

from app.sse import ServerSentEvent


class ReadLimit:
    """The longest a read of `response` may wait: the read timeout, shortened as the answer's
    deadline nears or once its finish has come; the timeout it had comes back at the end."""

    def __init__(self, response: requests.Response) -> None:
        self._sock = getattr(response.raw.connection, "sock", None)
        self._original: float | None = self._sock.gettimeout() if self._sock is not None else None
        self._now = self._original

    def at_most(self, seconds: float) -> None:
        """Let no read wait longer than `seconds` from now on."""
        if self._sock is None or (self._now is not None and seconds >= self._now):
            return
        self._now = max(seconds, 0.001)
        with contextlib.suppress(OSError):
            self._sock.settimeout(self._now)

    def restore(self) -> None:
        """Give the connection (which may go back to the pool) its own timeout again."""
        if self._sock is not None and self._now != self._original:
            with contextlib.suppress(OSError):
                self._sock.settimeout(self._original)


def finish_body_if_arrived(rest: Iterator[ServerSentEvent], response: requests.Response) -> None:
    """Read what follows [DONE] when it has already arrived, never waiting for the network.

    requests hands a fully read response's connection back to the pool, so the next
    answer skips a TCP (and TLS) handshake; it closes a partly read one. What follows
    [DONE] is normally just the end of the chunked body, sent with it. Any read that would
    wait ends the attempt, and the connection is then closed as before.
    """
    sock = getattr(response.raw.connection, "sock", None)
    if sock is None:
        return
    timeout = sock.gettimeout()
    try:
        sock.settimeout(0.0)
        for _ignored in rest:  # events after [DONE] carry nothing for us
            pass
    except Exception:  # nothing lost: the connection is simply not reused
        return
    finally:
        with contextlib.suppress(OSError):
            sock.settimeout(timeout)
