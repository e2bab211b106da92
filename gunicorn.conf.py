"""gunicorn settings: gevent workers, everything tunable from the environment.

Keep this file free of imports that gevent's monkey-patching must precede (requests,
grpc) or that fix their mode at import (prometheus_client): the master imports this file
before it forks the workers, the workers inherit every module the master imported, and
they patch the standard library only after the fork. The README's "Deploying" section explains each value.
"""

import os
from typing import Any

from app.config import ConfigError, load_settings


def _env_int(name: str, default: int, minimum: int = 1) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < minimum:
        # One line naming the variable, like every other bad setting (SPEC §8).
        raise ConfigError(f"Configuration error: {name}: expected a whole number >= {minimum} (got {raw!r})")
    return int(raw)


# Validates every setting now, in the master: a bad value stops start-up with one line.
_settings = load_settings()

# gevent workers that answer unparseable requests in the JSON error shape, not HTML.
worker_class = "app.worker.gevent_worker.JsonErrorGeventWorker"
bind = f"0.0.0.0:{_settings.port}"  # a --bind on the command line overrides this
# One worker by default: sessions and rate-limit counters live in worker memory.
workers = _env_int("WEB_CONCURRENCY", 1)
# Each open SSE stream holds one connection; extra requests queue, they are not refused.
worker_connections = _env_int("WORKER_CONNECTIONS", 1000)
# For gevent workers this is a heartbeat of the event loop, not a request time limit.
timeout = _env_int("WORKER_TIMEOUT", 30)
# Below the 30 s Kubernetes gives before its SIGKILL (docker stop gives 10 s unless told
# more: deploy/compose.yaml sets stop_grace_period 35 s).
graceful_timeout = _env_int("GRACEFUL_TIMEOUT", 25)
keepalive = _env_int("KEEPALIVE", 5, minimum=0)
# No preloading: every worker creates its own gRPC channel after the fork.
preload_app = False
# gunicorn >= 25.1 creates a control socket under $HOME; containers are read-only.
control_socket_disable = True
proc_name = "resume-api"

# Error and access logs as structlog JSON lines on stderr (app/telemetry/logs.py).
logger_class = "app.telemetry.logs.GunicornLogger"
loglevel = _settings.log_level.lower()
accesslog = "-"
errorlog = "-"


def _on_gevent_event(event: object) -> None:
    # grpcio is C code that gevent's patching cannot reach: make it cooperative once per
    # worker, after the stdlib is patched and before any channel exists. post_fork runs
    # before the patching, so the gevent patch event is the reliable moment.
    from gevent.events import GeventDidPatchBuiltinModulesEvent

    if isinstance(event, GeventDidPatchBuiltinModulesEvent):
        from app.worker.grpc_gevent import make_grpc_cooperative

        make_grpc_cooperative()


def on_starting(server: Any) -> None:
    import zope.event

    if _on_gevent_event not in zope.event.subscribers:
        zope.event.subscribers.append(_on_gevent_event)


def when_ready(server: Any) -> None:
    from app.worker import metrics_dir

    # Runs once the sockets are bound, before the first fork: every worker inherits the
    # variable, writes its metric files there, and any worker's /metrics adds them all up.
    path = metrics_dir.prepare()
    server.log.info("prometheus multiprocess directory: %s", path)
    if workers > 1 and not _settings.redis_url:
        server.log.warning("WEB_CONCURRENCY=%s without REDIS_URL: sessions and rate limits are per worker", workers)


def post_worker_init(worker: Any) -> None:
    from app.worker import shutdown

    shutdown.watch(worker, graceful_timeout)
    shutdown.hook_sigterm()


def child_exit(server: Any, worker: Any) -> None:
    from app.worker import metrics_dir

    metrics_dir.mark_dead(worker.pid)


def on_exit(server: Any) -> None:
    from app.worker import metrics_dir

    metrics_dir.cleanup()
