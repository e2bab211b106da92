"""Make grpcio cooperate with gevent, once per process."""

from __future__ import annotations

_done = False


def make_grpc_cooperative() -> None:
    """Let blocking gRPC calls yield to other greenlets (idempotent)."""
    global _done
    if _done:
        return
    import grpc.experimental.gevent as grpc_gevent

    grpc_gevent.init_gevent()
    _done = True
