"""Start the fakes and the service as pinned subprocesses, and stop them."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.procstat import children

ROOT = Path(__file__).resolve().parent.parent
# An open stream holds two sockets in the worker (client and upstream); leave room for more.
WANTED_FILES = 65536


def raise_file_limit() -> int:
    """Raise RLIMIT_NOFILE towards WANTED_FILES for this process and its children; return it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = WANTED_FILES if hard == resource.RLIM_INFINITY else min(hard, WANTED_FILES)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def can_pin(core: int | None) -> bool:
    """Tell whether `core` exists for this process and taskset is installed."""
    return core is not None and core in os.sched_getaffinity(0) and shutil.which("taskset") is not None


def pinned(core: int | None, command: Sequence[str]) -> list[str]:
    """Prefix `command` with taskset when the core can be pinned; run it unpinned otherwise."""
    if not can_pin(core):
        return list(command)
    return ["taskset", "-c", str(core), *command]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Processes:
    """Every process the bench started, stopped in reverse order."""

    workdir: Path
    started: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def spawn(self, name: str, command: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        log = (self.workdir / f"{name}.log").open("wb")
        process = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=log
        )
        self.started.append(process)
        return process

    def stop(self) -> None:
        for process in reversed(self.started):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in reversed(self.started):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def ready_line(process: subprocess.Popen[bytes], timeout: float = 30) -> list[str]:
    """Wait for the `READY ...` line a fake prints once it listens; return its words."""
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline().decode()
        if line.startswith("READY"):
            return line.split()[1:]
        if not line and process.poll() is not None:
            break
    raise RuntimeError(f"{process.args!r} did not become ready (exit code {process.poll()})")


@dataclass
class Service:
    master: subprocess.Popen[bytes]
    port: int
    worker_pids: list[int]
    log_path: Path

    @property
    def worker_pid(self) -> int:
        return self.worker_pids[0]


def start_service(
    procs: Processes, env: dict[str, str], core: int | None, connections: int, workers: int = 1
) -> Service:
    """Run gunicorn with `workers` gevent workers (pinned), and wait until it answers."""
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--worker-connections", str(connections), "--backlog", "4096", "wsgi:app",
    ]  # fmt: skip
    home = procs.workdir / "home"
    home.mkdir(exist_ok=True)
    full_env = {"HOME": str(home), "WEB_CONCURRENCY": str(workers), "WORKER_CONNECTIONS": str(connections), **env}
    master = procs.spawn("service", pinned(core, command), full_env)
    log_path = procs.workdir / "service.log"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if master.poll() is not None:
            raise RuntimeError(f"the service exited with {master.returncode}:\n{log_path.read_text()[-3000:]}")
        with contextlib.suppress(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2).read()
            break
        time.sleep(0.1)
    else:
        raise RuntimeError(f"the service did not answer in 60 s:\n{log_path.read_text()[-3000:]}")
    deadline = time.monotonic() + 30
    while len(pids := children(master.pid)) != workers:  # taskset execs gunicorn: the pid is the master's
        if time.monotonic() > deadline:
            raise RuntimeError(f"expected {workers} gunicorn workers, found {pids}")
        time.sleep(0.1)
    return Service(master, port, sorted(pids), log_path)


def start_redis(procs: Processes, core: int | None) -> tuple[int, int]:
    """Run a redis-server without persistence (pinned); return its port and pid once it answers."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    port = free_port()
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    server = procs.spawn("redis", pinned(core, command))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            if sock.recv(16).startswith(b"+PONG"):
                return port, server.pid
        time.sleep(0.05)
    raise RuntimeError("redis-server did not answer in 10 s")


def post_json(port: int, path: str, body: dict[str, Any], timeout: float = 30) -> bytes:
    """POST `body` and return the whole response body."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return bytes(response.read())
