"""gunicorn settings: gevent workers, tuned from the environment through app.config.Settings.

Keep this file free of imports that gevent's monkey-patching must precede (requests,
grpc) or that fix their mode at import (prometheus_client): the master imports this file
before it forks the workers, the workers inherit every module the master imported, and
they patch the standard library only after the fork. The README's "Deploying" section explains each value.
"""

import os
import subprocess
import sys
import time
from typing import Any

from app.config import MAX_WORKERS, ConfigError, load_settings, worker_count
from app.telemetry.logs import configure_logging, gunicorn_logconfig
from app.telemetry.tracing import exporter_name
from app.worker.reload import settings_for_this_load

# Validates every setting now, in the master: a bad value stops start-up with one line, and
# a reload (SIGHUP) that meets one keeps the running settings (app/worker/reload.py).
# gunicorn itself parses WEB_CONCURRENCY when it is imported, before reading this file:
# a value that is not a number stops it there, with its own traceback.
_settings = settings_for_this_load(load_settings)

# The OTEL_* tracing variables too: in a worker, a bad one would be a crash loop.
exporter_name(os.environ)

# gRPC's C core writes to stderr on its own, outside the JSON log (an INFO line naming
# memvid's address each time memvid restarts, for one): keep only its errors. The workers
# inherit the variable, and read it when they first load grpc.
os.environ.setdefault("GRPC_VERBOSITY", "ERROR")

# gevent workers that answer unparseable requests in the JSON error shape, not HTML.
worker_class = "app.worker.gevent_worker.JsonErrorGeventWorker"
bind = f"0.0.0.0:{_settings.port}"  # a --bind on the command line overrides this
# Unset WEB_CONCURRENCY: without REDIS_URL one worker, as sessions and rate-limit counters
# live in worker memory; with it one per CPU this process may run on (a gevent worker is one
# event loop on one core: fewer leaves cores idle, more only adds switching; deploy/scaling.md).
workers = worker_count(_settings, len(os.sched_getaffinity(0)))
# Each open SSE stream holds one connection; extra requests queue, they are not refused.
worker_connections = _settings.worker_connections
# For gevent workers this is a heartbeat of the event loop, not a request time limit.
timeout = _settings.worker_timeout
# Below the 30 s Kubernetes gives before its SIGKILL (docker stop gives 10 s unless told
# more: deploy/compose.yaml sets stop_grace_period 35 s).
graceful_timeout = _settings.graceful_timeout
keepalive = _settings.keepalive
# No preloading: every worker creates its own gRPC channel after the fork.
preload_app = False
# gunicorn >= 25.1 creates a control socket under $HOME; containers are read-only.
control_socket_disable = True
proc_name = "resume-api"

# Error and access logs rendered like the app's events, on stderr (app/telemetry/logs.py).
# A logconfig_dict also turns gunicorn's access log on.
loglevel = _settings.log_level.lower()
logconfig_dict = gunicorn_logconfig(_settings.log_level, _settings.log_format)


def _on_gevent_event(event: object) -> None:
    # grpcio is C code that gevent's patching cannot reach: make it cooperative once per
    # worker, after the stdlib is patched and before any channel exists. post_fork runs
    # before the patching, so the gevent patch event is the reliable moment.
    from gevent.events import GeventDidPatchBuiltinModulesEvent

    if isinstance(event, GeventDidPatchBuiltinModulesEvent):
        from app.worker.grpc_gevent import make_grpc_cooperative

        make_grpc_cooperative()


def on_starting(server: Any) -> None:
    # `--workers` or GUNICORN_CMD_ARGS bypass the settings' check of WEB_CONCURRENCY.
    if server.cfg.workers > MAX_WORKERS:
        raise ConfigError(f"Configuration error: --workers: at most {MAX_WORKERS} (got {server.cfg.workers})")
    # structlog as well as the stdlib, before the first fork: the workers inherit it, and
    # their first lines (grpc.gevent_ready) come before create_app configures logging.
    configure_logging(_settings.log_level, _settings.log_format)
    if not (_settings.memvid_grpc_url or _settings.memvid_file):
        _build_example_index(server)
    import zope.event

    if _on_gevent_event not in zope.event.subscribers:
        zope.event.subscribers.append(_on_gevent_event)


def when_ready(server: Any) -> None:
    from app.worker import metrics_dir

    # Runs once the sockets are bound, before the first fork: every worker inherits the
    # variable, writes its metric files there, and any worker's /metrics adds them all up.
    path = metrics_dir.prepare()
    server.log.info("prometheus multiprocess directory: %s", path)
    # The count in use: `--workers` on the command line overrides this file's `workers`.
    if server.cfg.workers > 1 and not _settings.redis_url:
        server.log.warning("%s workers without REDIS_URL: sessions and rate limits are per worker", server.cfg.workers)


def post_worker_init(worker: Any) -> None:
    from app.worker import shutdown

    shutdown.watch(worker, graceful_timeout)
    shutdown.hook_sigterm()


def worker_exit(server: Any, worker: Any) -> None:
    from app.telemetry import tracing

    # In the worker, after its last request: export the spans still queued (no-op when tracing is off).
    tracing.shutdown()


def child_exit(server: Any, worker: Any) -> None:
    from app.worker import metrics_dir

    metrics_dir.mark_dead(worker.pid)


def on_exit(server: Any) -> None:
    from app.worker import metrics_dir
    from app.worker.reload import forget_copy

    metrics_dir.cleanup()
    forget_copy()  # a refused reload's copy of .env holds the settings' secrets


def _build_example_index(server: Any) -> None:
    # With nothing configured the bundled example is served: build its .mv2 (seconds, once)
    # before the port opens, so the first health check and question do not wait on it. In a
    # child process: a master that ran the embedding model would hang its forked workers.
    # A failure is not fatal: a worker then builds it on first use, as `flask run` does.
    started = time.monotonic()
    try:
        subprocess.run([sys.executable, "-m", "app.retrieval.example_index"], check=True, timeout=600)
    except (OSError, subprocess.SubprocessError) as error:
        server.log.warning("example index not prebuilt (%s): the first worker builds it", error)
        return
    server.log.info("example index ready in %.1f s", time.monotonic() - started)
