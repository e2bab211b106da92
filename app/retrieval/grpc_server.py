"""A `memvid.v1` gRPC server over any `MemvidBackend` (SPEC §6).

It puts the in-process memvid engine behind the same wire contract as the Rust memvid
service, so the gRPC path (client, deadlines, breaker) can run against a real engine on
any machine. It is a development and test tool: plain threads, no TLS, no gevent.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from concurrent import futures
from typing import Any

import grpc

from app.grpc_gen.memvid.v1 import memvid_pb2_grpc
from app.retrieval.grpc_servicers import HealthServicer, MemvidServicer
from app.retrieval.types import MemvidBackend


class MemvidServer(grpc.Server):
    """A started `grpc.Server` that also tells which address it is bound to."""

    def __init__(self, server: grpc.Server, executor: futures.ThreadPoolExecutor, host: str, port: int) -> None:
        self._server = server
        self._executor = executor  # ours to shut down: grpc.Server.stop leaves its threads alive
        self.host = host
        self.port = port

    @property
    def address(self) -> str:
        """Return `host:port` as a client would dial it."""
        return _address(self.host, self.port)

    def add_generic_rpc_handlers(self, generic_rpc_handlers: Any) -> None:
        self._server.add_generic_rpc_handlers(generic_rpc_handlers)

    def add_registered_method_handlers(self, service_name: str, method_handlers: Any) -> None:
        self._server.add_registered_method_handlers(service_name, method_handlers)

    def add_insecure_port(self, address: str) -> int:
        return int(self._server.add_insecure_port(address))

    def add_secure_port(self, address: str, server_credentials: Any) -> int:
        return int(self._server.add_secure_port(address, server_credentials))

    def start(self) -> None:
        self._server.start()

    def stop(self, grace: float | None) -> threading.Event:
        event: threading.Event = self._server.stop(grace)
        # Once the server has stopped, no handler is left to run: the threads can go.
        threading.Thread(target=self._release_threads, args=(event,), daemon=True).start()
        return event

    def _release_threads(self, stopped: threading.Event) -> None:
        stopped.wait()
        self._executor.shutdown(wait=False)

    def wait_for_termination(self, timeout: float | None = None) -> bool:
        return bool(self._server.wait_for_termination(timeout))


def serve(backend: MemvidBackend, *, host: str = "127.0.0.1", port: int = 50051, max_workers: int = 8) -> MemvidServer:
    """Start a `memvid.v1` server over `backend`; port 0 picks a free port (see `.port`)."""
    executor = futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="memvid-grpc")
    # gRPC sets SO_REUSEPORT by default: a second server on a busy port would silently share it.
    server = grpc.server(executor, options=[("grpc.so_reuseport", 0)])
    lock = threading.Lock()  # one lock for both services: they share the backend
    memvid_pb2_grpc.add_MemvidServiceServicer_to_server(MemvidServicer(backend, lock), server)
    memvid_pb2_grpc.add_HealthServicer_to_server(HealthServicer(backend, lock), server)
    try:
        bound = server.add_insecure_port(_address(host, port))
    except RuntimeError as exc:  # grpcio raises when the address cannot be bound
        raise OSError(f"cannot listen on {_address(host, port)}") from exc
    server.start()
    return MemvidServer(server, executor, host, bound)


def run_until_signalled(server: grpc.Server, *, grace: float = 2.0, on_ready: Callable[[], None] | None = None) -> None:
    """Block until SIGINT or SIGTERM, then stop `server`, letting calls finish for `grace` s.

    `on_ready` runs once the handlers are installed, so a supervisor that signals as soon
    as it sees the announcement cannot hit the default handlers.
    """
    stopping = threading.Event()
    handlers = {sig: signal.signal(sig, lambda *_: stopping.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        if on_ready is not None:
            on_ready()
        # A timed wait keeps the main thread returning to Python, where signal handlers run.
        while not stopping.wait(0.5):
            pass
    finally:
        for sig, previous in handlers.items():
            signal.signal(sig, previous)
        server.stop(grace).wait()


def _address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
