"""Pieces of the production stack for tests: fake upstreams, the real nginx with
deploy/nginx.conf, clients with chosen source addresses, and a /metrics reader."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests
from prometheus_client.parser import text_string_to_metric_families
from requests.adapters import HTTPAdapter

from app.sse import SSEDecoder
from tests.conftest import require_binary
from tests.fake_llm import FakeLLMServer
from tests.fake_memvid import FakeMemvidServer, hit
from tests.servers import ROOT, Service, free_port, service_env, wait_until_ready

DEPLOY = ROOT / "deploy"


@contextlib.contextmanager
def upstreams() -> Iterator[tuple[FakeMemvidServer, FakeLLMServer]]:
    """Run a fake memvid (two hits) and a fake LLM for one module."""
    memvid = FakeMemvidServer()
    memvid.fake.hits = [hit("Experience — Cloudco", 3.5, "Ran Kubernetes on AWS."), hit("Skills", 2.0, "Go")]
    memvid.start()
    try:
        with FakeLLMServer() as llm:
            yield memvid, llm
    finally:
        memvid.stop()


def stack_env(memvid: FakeMemvidServer, llm: FakeLLMServer, **extra: str) -> dict[str, str]:
    """The environment of a service wired to the fakes."""
    return service_env(memvid.target, llm.base_url, **extra)


# nginx runs like the service: a process, a port, a log.
Proxy = Service


def has_ipv6_loopback() -> bool:
    """Whether this machine can listen on ::1 (a laptop or container may have IPv6 off)."""
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


def render_nginx_config(directory: Path, upstream: str, port: int, *, http_extra: str = "") -> Path:
    """Write deploy/nginx.conf into `directory`, pointed at `upstream` and listening on `port`
    (on ::1 too where the machine has IPv6), with `http_extra` added to its http block."""
    text = (DEPLOY / "nginx.conf").read_text()
    replacements = {
        "server api:3000;": f"server {upstream};",
        "listen 8080;": f"listen 127.0.0.1:{port};",
        "listen [::]:8080;": f"listen [::1]:{port};" if has_ipv6_loopback() else "",
        "    server_tokens off;": f"    server_tokens off;\n{http_extra}",
        "worker_processes auto;": "worker_processes 1;",
        "/tmp/": f"{directory}/",
    }
    for old, new in replacements.items():
        assert old in text, f"deploy/nginx.conf no longer contains {old!r}: update the test"
        text = text.replace(old, new)
    config = directory / "nginx.conf"
    config.write_text(text)
    for include in ("security-headers.conf", "error-headers.conf"):
        (directory / include).write_text((DEPLOY / include).read_text())
    return config


@contextlib.contextmanager
def nginx(upstream: str, directory: Path, *, http_extra: str = "") -> Iterator[Proxy]:
    """Run the real nginx binary with deploy/nginx.conf in front of `upstream`; stop it on exit."""
    binary = require_binary("nginx")
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = render_nginx_config(directory, upstream, port, http_extra=http_extra)
    # As root, nginx's workers would switch to `nobody`, who cannot enter pytest's tmp dirs.
    main = "daemon off;" + (" user root;" if os.geteuid() == 0 else "")
    command = [binary, "-p", f"{directory}/", "-c", str(config), "-e", str(directory / "error.log"), "-g", main]
    check = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=10)
    assert check.returncode == 0, f"nginx -t failed:\n{check.stderr}"
    log_path = directory / "nginx.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(command, stdout=log_file, stderr=log_file)
    proxy = Proxy(process, port, log_path)
    try:
        wait_until_ready(proxy.url + "/nginx-ready-probe", process, log_path, timeout=10)
        yield proxy
    finally:
        stop(process, signal.SIGTERM)


def stop(process: subprocess.Popen[bytes], sig: signal.Signals, timeout: float = 10) -> None:
    """Signal `process`, then kill it if it is still there after `timeout` seconds."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class _SourceAddressAdapter(HTTPAdapter):
    def __init__(self, source_ip: str) -> None:
        self._source_ip = source_ip
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self._source_ip, 0)
        super().init_poolmanager(*args, **kwargs)


def client_from(source_ip: str) -> requests.Session:
    """A session whose connections come from `source_ip` (any 127.x.y.z is loopback on Linux)."""
    session = requests.Session()
    session.mount("http://", _SourceAddressAdapter(source_ip))
    return session


def timed_events(response: requests.Response) -> Iterator[tuple[float, dict[str, Any]]]:
    """Read an SSE response as it arrives; yield (monotonic arrival time, event) pairs."""
    decoder = SSEDecoder()
    for chunk in response.iter_content(chunk_size=None):
        now = time.monotonic()
        for event in decoder.feed(chunk):
            yield now, json.loads(event.data)


def scrape(url: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """GET /metrics on a fresh connection; return {(sample name, labels): value}."""
    response = requests.get(url + "/metrics", headers={"Connection": "close"}, timeout=10)
    response.raise_for_status()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    """One sample's value, 0 when absent."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def log_lines(path: Path) -> list[dict[str, Any]]:
    """The JSON lines of a log file (anything else is skipped)."""
    lines = []
    for line in path.read_text(errors="replace").splitlines():
        with contextlib.suppress(ValueError):
            parsed = json.loads(line)
            if isinstance(parsed, dict):
                lines.append(parsed)
    return lines
