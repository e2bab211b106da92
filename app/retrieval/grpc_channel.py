"""One gRPC channel to the memvid service per process: opened on first use, fork-safe, closable."""

from __future__ import annotations

import json
import os
import threading
from typing import NamedTuple

import grpc

from app.grpc_gen.memvid.v1 import memvid_pb2_grpc

# Our breaker does the long back-off; gRPC's own reconnect back-off (1 s growing to 120 s
# by default) would otherwise make the breaker's probe fail long after memvid came back.
# The retry policy absorbs one blip (a memvid restart) within the call's deadline; all
# three methods are read-only, so retrying them is safe.
_SERVICE_CONFIG = {
    "methodConfig": [
        {
            "name": [{"service": "memvid.v1.MemvidService"}, {"service": "memvid.v1.Health"}],
            "retryPolicy": {
                "maxAttempts": 2,
                "initialBackoff": "0.05s",
                "maxBackoff": "0.2s",
                "backoffMultiplier": 2,
                "retryableStatusCodes": ["UNAVAILABLE"],
            },
        }
    ]
}
# gRPC reconnects only when a connection closes. One gone silent (a partition, a host lost
# without a FIN) looked alive for the kernel's ~15 minutes of retransmissions, every call
# missing its deadline meanwhile. While a call is open, a ping goes out every PING_MS and
# one unanswered for PING_MS closes the connection, so the call's retry goes out on a new
# one within its deadline. The ping timeout is every ping's: a keep-alive rides on the ping
# already in flight, whose default timeout is a minute. No pings on an idle connection: a
# grpc-core server answers more than one in 5 minutes with GOAWAY too_many_pings.
PING_MS = 2000
_CHANNEL_OPTIONS = (
    ("grpc.keepalive_time_ms", PING_MS),
    ("grpc.keepalive_timeout_ms", PING_MS),
    ("grpc.http2.ping_timeout_ms", PING_MS),
    ("grpc.keepalive_permit_without_calls", 0),
    ("grpc.initial_reconnect_backoff_ms", 200),
    ("grpc.min_reconnect_backoff_ms", 200),
    ("grpc.max_reconnect_backoff_ms", 2000),
    ("grpc.enable_retries", 1),
    ("grpc.service_config", json.dumps(_SERVICE_CONFIG)),
)


class Stubs(NamedTuple):
    channel: grpc.Channel
    memvid: memvid_pb2_grpc.MemvidServiceStub
    health: memvid_pb2_grpc.HealthStub


class MemvidChannel:
    """This process's channel and stubs to `target`; never opened at import or construction."""

    def __init__(self, target: str) -> None:
        self.target = target
        self._lock = threading.Lock()
        self._live: Stubs | None = None
        self._pid = 0

    @property
    def is_open(self) -> bool:
        return self._live is not None

    def stubs(self) -> Stubs:
        """Return this process's stubs, creating the channel on first use."""
        with self._lock:
            # A channel inherited across fork is unusable: abandon it (closing it is unsafe too).
            if self._live is None or self._pid != os.getpid():
                channel = grpc.insecure_channel(self.target, options=_CHANNEL_OPTIONS)
                memvid, health = memvid_pb2_grpc.MemvidServiceStub(channel), memvid_pb2_grpc.HealthStub(channel)
                self._live = Stubs(channel, memvid, health)
                self._pid = os.getpid()
            return self._live

    def close(self) -> None:
        """Close the channel (in the process that opened it); a later call opens a new one."""
        with self._lock:
            live, self._live = self._live, None
        if live is not None and self._pid == os.getpid():
            live.channel.close()
