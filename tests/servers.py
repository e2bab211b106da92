"""Run the real service (gunicorn with gevent workers) as a subprocess for end-to-end tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
API_KEY = "sk-test-e2e-key-0123456789"


def service_env(memvid_target: str, llm_base_url: str, **extra: str) -> dict[str, str]:
    """The environment of a service wired to a fake memvid and a fake LLM."""
    return {
        "MEMVID_GRPC_URL": memvid_target,
        "OPENROUTER_BASE_URL": llm_base_url,
        "OPENROUTER_API_KEY": API_KEY,
        "SSE_KEEPALIVE_SECONDS": "0.3",
        "RATE_LIMIT_PER_MINUTE": "1000",
        "LLM_READ_TIMEOUT": "10",
        **extra,
    }


def free_port() -> int:
    """Return a TCP port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Service:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def wait_until_ready(url: str, process: subprocess.Popen[bytes], log_path: Path, timeout: float = 60) -> None:
    """Poll `url` until it answers; fail with the server's log if it dies or never answers.

    With nothing configured, gunicorn builds the example index before it opens its port
    (seconds; more on a busy machine): the deadline leaves room for it.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log_path.read_text()}")
        with contextlib.suppress(requests.RequestException):
            requests.get(url, timeout=1)
            return
        time.sleep(0.1)
    raise RuntimeError(f"server did not start in {timeout}s:\n{log_path.read_text()}")


@contextlib.contextmanager
def gunicorn(
    env: dict[str, str], tmp_path: Path, *, workers: int = 1, args: tuple[str, ...] = (), cwd: Path = ROOT
) -> Iterator[Service]:
    """Start `gunicorn wsgi:app` with the project's config on a free port, in `cwd` (where its
    `.env` is read); stop it on exit."""
    port = free_port()
    log_path = tmp_path / f"gunicorn-{port}.log"
    full_env = {
        **os.environ,
        "MEMVID_TELEMETRY": "0",
        "LOG_LEVEL": "INFO",
        "WEB_CONCURRENCY": str(workers),
        "HOME": str(tmp_path),
        **env,
    }
    if cwd != ROOT:
        full_env["PYTHONPATH"] = str(ROOT)
    config = str(ROOT / "gunicorn.conf.py")
    command = [sys.executable, "-m", "gunicorn", "-c", config, "--bind", f"127.0.0.1:{port}", *args]
    with log_path.open("wb") as log_file:
        process = subprocess.Popen([*command, "wsgi:app"], cwd=cwd, env=full_env, stdout=log_file, stderr=log_file)
    service = Service(process, port, log_path)
    try:
        wait_until_ready(service.url + "/health", process, log_path)
        yield service
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until_ready_grpc(target: str, process: subprocess.Popen[bytes], log_path: Path, timeout: float = 30) -> None:
    """Wait until a memvid.v1 Health check at `target` answers SERVING."""
    import grpc

    from app.grpc_gen.memvid.v1 import memvid_pb2, memvid_pb2_grpc

    deadline = time.monotonic() + timeout
    with grpc.insecure_channel(target) as channel:
        stub = memvid_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"memvid serve exited with {process.returncode}:\n{log_path.read_text()}")
            with contextlib.suppress(grpc.RpcError):
                reply = stub.Check(memvid_pb2.HealthCheckRequest(), timeout=1)
                if reply.status == memvid_pb2.HealthCheckResponse.SERVING:
                    return
            time.sleep(0.1)
    raise RuntimeError(f"memvid serve did not answer in {timeout}s:\n{log_path.read_text()}")
