"""Prometheus across gunicorn workers: every scrape, whichever worker serves it, adds up all
of them; a dead worker's live gauges go, its counts stay; a previous run's files are wiped."""

from __future__ import annotations

import concurrent.futures
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from app.worker import metrics_dir
from tests.deploy_stack import log_lines, scrape, stack_env, upstreams, value
from tests.fake_llm import DEFAULT_USAGE, stream
from tests.servers import ROOT, Service, gunicorn
from tests.sse_client import events

N = 16
TOKENS = 5


@pytest.fixture(scope="module")
def fakes():
    with upstreams() as running:
        yield running


def ask(service: Service) -> str:
    response = requests.post(f"{service.url}/api/v1/chat", json={"message": "Kubernetes?"}, timeout=20)
    return events(response.content)[-1]["type"]


def write_stale_counts(directory: Path) -> None:
    """Leave what a previous run would: a worker's files with big counts."""
    script = (
        "from prometheus_client import Counter\n"
        "Counter('flask_http_request_total', 'x', ['method', 'status']).labels('POST', '200').inc(1000)\n"
        "Counter('chat_streams_total', 'x', ['outcome']).labels('completed').inc(1000)\n"
    )
    env = {**os.environ, metrics_dir.ENV_VAR: str(directory)}
    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=30)
    assert list(directory.glob("counter_*.db"))


def wait_for_apps(service: Service, count: int, timeout: float = 20) -> None:
    """Wait until `count` workers have built their app (each logs `service.configured` once)."""
    deadline = time.monotonic() + timeout
    while sum(line["event"] == "service.configured" for line in log_lines(service.log_path)) < count:
        assert time.monotonic() < deadline, f"{count} workers did not start in {timeout}s"
        time.sleep(0.1)


def booted_workers(service: Service) -> list[int]:
    return [
        int(line["event"].rsplit(" ", 1)[1])
        for line in log_lines(service.log_path)
        if "Booting worker" in line["event"]
    ]


def test_every_scrape_of_two_workers_reports_every_request(fakes, tmp_path):
    memvid, llm = fakes
    prometheus_dir = tmp_path / "prometheus"
    prometheus_dir.mkdir()
    write_stale_counts(prometheus_dir)
    searches_before = sum(method == "Search" for method, _ in memvid.fake.requests)
    env = stack_env(memvid, llm, PROMETHEUS_MULTIPROC_DIR=str(prometheus_dir))
    with gunicorn(env, tmp_path, workers=2) as api:
        wait_for_apps(api, 2)  # the first ready worker would otherwise serve every chat
        llm.enqueue(*[stream(token_delay=0.05) for _ in range(N)])
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            outcomes = list(pool.map(lambda _: ask(api), range(N)))
            scrapes = list(pool.map(lambda _: scrape(api.url), range(12)))
        lines = log_lines(api.log_path)
        workers = booted_workers(api)

    assert outcomes == ["done"] * N
    chat_pids = {line["pid"] for line in lines if line.get("path") == "/api/v1/chat"}
    assert len(workers) == 2
    assert chat_pids == set(workers), "both workers must have served chats"
    # gRPC was made cooperative once in each worker, after gevent's patching.
    assert sorted(line["pid"] for line in lines if line["event"] == "grpc.gevent_ready") == sorted(workers)
    searches = sum(method == "Search" for method, _ in memvid.fake.requests) - searches_before
    for samples in scrapes:
        assert value(samples, "flask_http_request_total", method="POST", status="200") == N
        assert value(samples, "chat_streams_total", outcome="completed") == N
        assert value(samples, "chat_stream_duration_seconds_count") == N
        assert value(samples, "chat_time_to_first_token_seconds_count") == N
        assert value(samples, "chat_active_streams") == 0
        assert value(samples, "chat_sessions_live") == N
        assert value(samples, "llm_requests_total", status="200") == N
        assert value(samples, "llm_tokens_total", kind="prompt") == N * DEFAULT_USAGE["prompt_tokens"]
        assert value(samples, "llm_tokens_total", kind="completion") == N * TOKENS
        assert value(samples, "llm_cost_total") == pytest.approx(N * DEFAULT_USAGE["cost"])
        assert value(samples, "memvid_call_duration_seconds_count", method="search", status="ok") == searches


def test_a_killed_workers_counts_stay_and_its_open_streams_go(fakes, tmp_path):
    memvid, llm = fakes
    with gunicorn(stack_env(memvid, llm), tmp_path) as api:
        assert ask(api) == "done"
        llm.enqueue(stream([f" t{i}" for i in range(100)], token_delay=0.1))
        open_stream = requests.post(f"{api.url}/api/v1/chat", json={"message": "Kubernetes?"}, stream=True, timeout=20)
        lines = open_stream.iter_lines()
        while b'"type":"token"' not in next(lines):
            pass
        during = scrape(api.url)
        (worker,) = booted_workers(api)
        os.kill(worker, signal.SIGKILL)
        open_stream.close()
        deadline = time.monotonic() + 15
        while len(booted_workers(api)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        after = scrape(api.url)

    assert value(during, "chat_active_streams") == 1
    assert value(after, "chat_active_streams") == 0
    assert value(after, "chat_streams_total", outcome="completed") == 1
    assert value(after, "flask_http_request_total", method="POST", status="200") == 2


def test_prepare_makes_a_directory_when_none_is_configured():
    environ: dict[str, str] = {}

    path = metrics_dir.prepare(environ)
    try:
        assert environ[metrics_dir.ENV_VAR] == str(path)
        assert path.is_dir()
    finally:
        metrics_dir.cleanup()
    assert not path.exists()


def test_prepare_wipes_a_configured_directory(tmp_path):
    configured = tmp_path / "prometheus"
    configured.mkdir()
    (configured / "counter_123.db").write_bytes(b"old")
    (configured / "README").write_text("not ours")

    path = metrics_dir.prepare({metrics_dir.ENV_VAR: str(configured)})
    metrics_dir.cleanup()  # made nothing: removes nothing

    assert path == configured
    assert sorted(p.name for p in configured.iterdir()) == ["README"]


def test_mark_dead_removes_what_prometheus_client_removes(tmp_path):
    from prometheus_client import Gauge
    from prometheus_client.multiprocess import mark_process_dead

    names = ["counter_7.db", "histogram_7.db", "counter_8.db", "gauge_livesum_8.db"]
    names += [f"gauge_{mode}_7.db" for mode in Gauge._MULTIPROC_MODES]
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    for directory in (ours, theirs):
        directory.mkdir()
        for name in names:
            (directory / name).write_bytes(b"")

    metrics_dir.mark_dead(7, {metrics_dir.ENV_VAR: str(ours)})
    mark_process_dead(7, str(theirs))

    assert sorted(p.name for p in ours.iterdir()) == sorted(p.name for p in theirs.iterdir())
    assert len(list(ours.iterdir())) < len(names)


@pytest.mark.parametrize(("value", "expected"), [(None, None), ("", None), ("  ", None), ("/tmp/m", "/tmp/m")])
def test_configured_directory(value, expected):
    environ = {} if value is None else {metrics_dir.ENV_VAR: value}

    found = metrics_dir.configured(environ)

    assert (str(found) if found else None) == expected


def test_only_gunicorns_workers_keep_the_multiprocess_directory():
    ours = {metrics_dir.ENV_VAR: "/tmp/live", "SERVER_SOFTWARE": "gunicorn/25.1.0"}
    alone = {metrics_dir.ENV_VAR: "/tmp/live"}

    metrics_dir.leave_to_the_server(ours)
    metrics_dir.leave_to_the_server(alone)

    assert ours[metrics_dir.ENV_VAR] == "/tmp/live"
    assert metrics_dir.ENV_VAR not in alone


def test_a_one_off_command_leaves_no_files_in_the_live_directory(tmp_path):
    # The image sets the variable for every process: `docker compose exec api flask ... cache
    # stats` left four files per run there, read by every scrape and never removed.
    live = tmp_path / "live"
    live.mkdir()
    env = {**os.environ, metrics_dir.ENV_VAR: str(live), "MEMVID_GRPC_URL": "127.0.0.1:9"}
    env.pop("SERVER_SOFTWARE", None)

    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "routes"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert list(live.iterdir()) == []
