"""Stop working on an answer nobody will get: its client hung up (SPEC §7: no tokens paid for
nobody), or the worker is about to be killed.

WSGI only learns of a disconnect when a write fails. A whole answer (`stream: false`, a fit
assessment, an MCP tool call) writes once, at the end, so while it is being made a greenlet
watches the client's socket: when the client closes it, the answering greenlet gets
`ClientGone`, which closes the upstream request at once; the app answers it with an empty 499.
The same greenlet looks at the worker's shutdown clock once a second: when open answers must
end (`app.worker.shutdown`, as streams do), the answer stops with `503 server_shutdown` and
`Retry-After` instead of being cut off with no reply by gunicorn's kill.
A stream writes often, but not while the LLM is silent: it asks `client_left` on each tick of
its loop and then writes a keep-alive (`app.chat.relay`), so a client that only half-closed
(done sending, still reading) keeps its stream. A whole answer cannot write early: a client
that half-closes is taken for gone there. Only under gunicorn's gevent workers, which hand the
socket over in the WSGI environment.
"""

from __future__ import annotations

import select
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import partial
from typing import Any

import gevent
import structlog
from flask import Response, request
from gevent.socket import wait_read

from app.errors import LLMError
from app.worker.shutdown import stream_deadline_passed

log = structlog.get_logger(__name__)

POLL_SECONDS = 1.0  # as a stream's loop: the stopping worker's clock is read this often
SHUTDOWN_RETRY_SECONDS = 5.0  # another worker (or this service, restarted) answers by then


class ClientGone(Exception):
    """The client closed its connection before its answer was ready: the app answers an empty 499."""


class _HungUp(BaseException):
    """Thrown into the answering greenlet. Not an `Exception`, so that no `except Exception` on
    the way (the LLM client's, which reports a bug of ours as `llm_error`) takes it for a failure."""


class _ShuttingDown(_HungUp):
    """Thrown into the answering greenlet when the worker must end its open answers."""


@contextmanager
def answer_only_while_wanted() -> Iterator[None]:
    """Raise `ClientGone` inside the block as soon as the client closes its connection, and
    `LLMError("server_shutdown")` once the stopping worker's open answers must end."""
    sock: Any = request.environ.get("gunicorn.socket")
    answering = gevent.getcurrent()
    if sock is None or not isinstance(answering, gevent.Greenlet):
        yield  # not under a gevent worker (tests, `flask run`): the answer simply completes
        return
    watch = _Watch(answering)
    watcher = gevent.spawn(_watch, sock, watch)
    try:
        yield
    except _ShuttingDown:
        raise LLMError("server_shutdown", retry_after=SHUTDOWN_RETRY_SECONDS) from None
    except _HungUp:
        raise ClientGone() from None
    finally:
        watch.inside = False  # a client closing after its answer (nginx always does) left nothing
        watcher.kill(block=False)
        if watch.fired:
            # Its throw may still be on the way: taken here, not by whatever this greenlet does next.
            with suppress(_HungUp):
                gevent.sleep(0)


def client_left_check() -> Callable[[], bool]:
    """Return a check, cheap and never blocking, of whether this request's client has closed its
    side of the connection (gone, or half-closed); always no where the socket is unknown (tests)."""
    sock: Any = request.environ.get("gunicorn.socket")
    return (lambda: False) if sock is None else partial(_has_closed, sock)


def _has_closed(sock: socket.socket) -> bool:
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):  # reset, or already closed by the server
        return True


def client_gone_response(_error: ClientGone) -> Response:
    """The app's answer to `ClientGone`: nobody reads it (499 is nginx's code for a client that left)."""
    return Response(status=499)


@dataclass
class _Watch:
    answering: gevent.Greenlet
    inside: bool = True  # the answer is still being made
    fired: bool = False  # the watcher told the answering greenlet its client left


def _watch(sock: socket.socket, watch: _Watch) -> None:
    while True:
        try:
            wait_read(sock.fileno(), timeout=POLL_SECONDS)
            closed = sock.recv(1, socket.MSG_PEEK) == b""
            break
        except TimeoutError:  # quiet: is the worker stopping?
            if watch.inside and stream_deadline_passed():
                watch.fired = True
                log.info("chat.shutdown_before_answer")
                watch.answering.kill(_ShuttingDown, block=False)
                return
        except OSError:
            closed = True
            break
    # Readable with data is a pipelined next request, not a hang-up: stop watching.
    if closed and watch.inside:
        watch.fired = True
        log.info("chat.client_gone")
        watch.answering.kill(_HungUp, block=False)
