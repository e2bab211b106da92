"""A real redis-server for the tests, on a free port, that a test can stop, freeze and restart."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import redis

from tests.servers import free_port


class RedisServer:
    """One redis-server process (no persistence) on 127.0.0.1."""

    def __init__(self, binary: str, workdir: Path, *, password: str | None = None) -> None:
        self.binary = binary
        self.workdir = workdir
        self.password = password
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start (or restart, on the same port) and wait until it answers PING."""
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        if self.password:
            command += ["--requirepass", self.password]
        log = (self.workdir / f"redis-{self.port}.log").open("ab")
        self.process = subprocess.Popen([*command, "--dir", str(self.workdir)], stdout=log, stderr=log)
        deadline = time.monotonic() + 10
        client = redis.Redis.from_url(self.url, socket_timeout=0.5, socket_connect_timeout=0.5)
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.RedisError):
                if client.ping():
                    client.close()
                    return
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer on port {self.port}")

    def stop(self) -> None:
        """Kill the server (its data goes with it, as after a crash without persistence)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def freeze(self) -> None:
        """Stop the process without closing its sockets: calls hang until `thaw`."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=2)


@contextlib.contextmanager
def running(binary: str, workdir: Path, *, password: str | None = None) -> Iterator[RedisServer]:
    server = RedisServer(binary, workdir, password=password)
    server.start()
    try:
        yield server
    finally:
        if server.process is not None:
            server.thaw()
        server.stop()
