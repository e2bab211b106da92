"""A memvid connection that goes silent without closing (a network partition, a host gone
without a FIN, a NAT entry dropped): the client must notice and reconnect by itself.

Real sockets: the fake memvid service behind a small TCP relay that can swallow every byte
of the connections open now, both ways, while new connections go through. gRPC reconnects
only when a connection closes; a silent one looked alive to it for as long as the kernel
kept it (about 15 minutes of retransmissions on Linux, forever behind this relay), and every
question meanwhile was answered without the resume (blind audit)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from app.errors import RetrievalUnavailable
from app.retrieval.circuit import CircuitBreaker
from app.retrieval.grpc_client import GrpcMemvidBackend
from tests.fake_memvid import FakeMemvidServer, hit, memvid_server

__all__ = ["memvid_server"]  # the fixture, imported so pytest finds it here

TIMEOUT = 2.0  # the call deadline (MEMVID_TIMEOUT_SECONDS)


class PartitioningRelay:
    """Relay 127.0.0.1:port to `target_port`; `partition()` silences the connections open now."""

    def __init__(self, target_port: int) -> None:
        self._target_port = target_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._silenced: list[threading.Event] = []
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def partition(self) -> None:
        for silenced in self._silenced:
            silenced.set()

    def close(self) -> None:
        self._listener.close()
        for sock in self._sockets:
            sock.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self._target_port))
            except OSError:  # the server stopped first (teardown): refuse this client, as it would
                client.close()
                continue
            silenced = threading.Event()
            self._silenced.append(silenced)
            self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink, silenced), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket, silenced: threading.Event) -> None:
        try:
            while data := source.recv(65536):
                if not silenced.is_set():  # a partition: bytes vanish, nothing is closed
                    sink.sendall(data)
        except OSError:
            pass


@pytest.fixture
def relay(memvid_server: FakeMemvidServer) -> Iterator[PartitioningRelay]:
    relay = PartitioningRelay(memvid_server.port)
    yield relay
    relay.close()


def test_a_connection_gone_silent_is_replaced_without_a_restart(memvid_server, relay):
    memvid_server.fake.hits = [hit("Skills", 2.0, "Go, Python")]
    breaker = CircuitBreaker(failure_threshold=2, base_delay=0.5, max_delay=1.0)
    backend = GrpcMemvidBackend(f"127.0.0.1:{relay.port}", timeout=TIMEOUT, breaker=breaker)
    try:
        assert backend.search("python", top_k=3, snippet_chars=200)  # the connection is open and answering
        relay.partition()
        started = time.monotonic()
        while True:
            try:
                if backend.search("python", top_k=3, snippet_chars=200):
                    break
            except RetrievalUnavailable:
                pass
            assert time.monotonic() - started < 20, "still answering from a dead connection"
            time.sleep(0.1)
        assert time.monotonic() - started < 4 * TIMEOUT
    finally:
        backend.close()
