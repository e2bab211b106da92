"""Make grpcio cooperate with gevent, once per process."""

from __future__ import annotations

import structlog

log = structlog.get_logger(__name__)

_done = False


def make_grpc_cooperative() -> None:
    """Let blocking gRPC calls yield to other greenlets (idempotent)."""
    global _done
    if _done:
        return
    import grpc.experimental.gevent as grpc_gevent

    grpc_gevent.init_gevent()
    _done = True
    # One line per worker: the proof in the logs that this ran after gevent's patching.
    log.info("grpc.gevent_ready")
