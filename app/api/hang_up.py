"""Stop working on a whole (`stream: false`) answer when its client hangs up.

A streamed answer notices on its next write; a whole answer writes once, at the end, so
while the LLM is still generating, a greenlet watches the client's socket: when the
client closes it, the answering greenlet gets `ClientGone`, which closes the upstream
request at once (SPEC §7: no tokens paid for nobody). Only under gunicorn's gevent
workers, which hand the socket over in the WSGI environment.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import gevent
import structlog
from flask import request
from gevent.socket import wait_read

log = structlog.get_logger(__name__)


class ClientGone(Exception):
    """The client closed its connection before its answer was ready."""


@contextmanager
def stop_if_client_leaves() -> Iterator[None]:
    """Raise `ClientGone` inside the block as soon as the client closes its connection."""
    sock: Any = request.environ.get("gunicorn.socket")
    answering = gevent.getcurrent()
    if sock is None or not isinstance(answering, gevent.Greenlet):
        yield  # not under a gevent worker (tests, `flask run`): the answer simply completes
        return
    watcher = gevent.spawn(_watch, sock, answering)
    try:
        yield
    finally:
        watcher.kill(block=False)


def _watch(sock: socket.socket, answering: gevent.Greenlet) -> None:
    try:
        wait_read(sock.fileno())
        closed = sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        closed = True
    # Readable with data is a pipelined next request, not a hang-up: stop watching.
    if closed:
        log.info("chat.client_gone")
        answering.kill(ClientGone, block=False)
